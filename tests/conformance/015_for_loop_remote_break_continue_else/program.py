from stent import entity


@entity
class Cell:
    def __init__(self, name: str, v: int):
        self.name: str = name
        self.v: int = v
        self.visits: int = 0

    def __key__(self):
        return self.name

    def visit(self) -> int:
        self.visits += 1
        return self.v


@entity
class Scan:
    def __init__(self, name: str):
        self.name: str = name
        self.cells: list[Cell] = []

    def __key__(self):
        return self.name

    def add(self, c: Cell) -> int:
        self.cells.append(c)
        return len(self.cells)

    def sum_until(self, stop: int) -> str:
        total = 0
        for c in self.cells:
            v = c.visit()
            if v < 0:
                continue
            if v == stop:
                break
            total += v
        else:
            return f"all:{total}"
        return f"stopped:{total}"

    def first_over(self, limit: int) -> str:
        for c in self.cells:
            if c.visit() > limit:
                return c.name
        return "none"
