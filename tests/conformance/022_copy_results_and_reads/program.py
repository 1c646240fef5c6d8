from stent import entity


@entity
class Store:
    def __init__(self, name: str):
        self.name: str = name
        self.items: list[str] = ["x"]
        self.index: dict[str, list[int]] = {"k": [1]}

    def __key__(self):
        return self.name

    def get_items(self) -> list[str]:
        return self.items

    def get_index(self) -> dict[str, list[int]]:
        return self.index


@entity
class User:
    def __init__(self, name: str):
        self.name: str = name
        self.copy: list[str] = []

    def __key__(self):
        return self.name

    def mutate_result(self, s: Store) -> list[str]:
        got = s.get_items()
        got.append("from-user")
        self.copy = got
        return got

    def mutate_read(self, s: Store) -> int:
        idx = s.index
        idx["k"].append(2)
        idx["new"] = [3]
        inner = s.get_index()["k"]
        inner.append(4)
        return len(idx) + len(inner)

    def read_twice(self, s: Store) -> bool:
        a = s.items
        a.append("y")
        b = s.items
        return len(a) == len(b)
