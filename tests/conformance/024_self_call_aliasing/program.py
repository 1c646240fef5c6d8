from stent import entity


@entity
class Box:
    def __init__(self, name: str):
        self.name: str = name
        self.items: list[int] = [1]
        self.d: dict[str, list[int]] = {"a": []}

    def __key__(self):
        return self.name

    def helper(self, xs: list[int], v: int) -> int:
        xs.append(v)
        return len(xs)

    def get_items(self) -> list[int]:
        return self.items

    def run(self) -> list[str]:
        local = [10]
        self.helper(local, 11)
        self.helper(self.items, 2)
        alias = self.get_items()
        alias.append(3)
        inner = self.d["a"]
        self.helper(inner, 4)
        return [str(local), str(self.items), str(self.d)]
