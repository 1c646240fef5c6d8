from stent import entity


@entity
class Mutator:
    def __init__(self, name: str):
        self.name: str = name
        self.kept: list[list[int]] = []

    def __key__(self):
        return self.name

    def poke(self, grid: list[list[int]], m: dict[str, list[int]]) -> int:
        grid[0].append(99)
        m["a"].append(99)
        self.kept = grid
        return len(grid[0])

    def poke_kept(self) -> list[list[int]]:
        self.kept[0].append(-1)
        return self.kept


@entity
class Owner:
    def __init__(self, name: str):
        self.name: str = name
        self.grid: list[list[int]] = [[1], [2]]

    def __key__(self):
        return self.name

    def share(self, mu: Mutator) -> list[str]:
        m = {"a": [1]}
        n = mu.poke(self.grid, m)
        back = mu.poke_kept()
        back[1].append(5)
        return [str(n), str(self.grid), str(m), str(back)]
