from typing import Optional

from stent import entity


@entity
class Inv:
    def __init__(self, name: str):
        self.name: str = name
        self.stock: dict[str, int] = {"apple": 3}
        self.groups: dict[str, list[str]] = {}

    def __key__(self):
        return self.name

    def probe(self, k: str) -> list[str]:
        g: Optional[int] = self.stock.get(k)
        return [str(g), str(self.stock.get(k, 0)), str(k in self.stock), str(len(self.stock))]

    def add(self, k: str, n: int) -> int:
        self.stock[k] = self.stock.get(k, 0) + n
        self.stock[k] += 1
        return self.stock[k]

    def take(self, k: str) -> int:
        return self.stock.pop(k, -1)

    def group(self, g: str, item: str) -> list[str]:
        self.groups.setdefault(g, []).append(item)
        first = self.groups.setdefault(g, ["ignored"])
        return first

    def merge(self, other: dict[str, int]) -> dict[str, int]:
        self.stock.update(other)
        return self.stock

    def remove(self, k: str) -> int:
        del self.stock[k]
        return len(self.stock)
