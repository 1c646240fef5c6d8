from typing import Dict, List

from stent import entity


class SoldOut(Exception):
    pass


@entity
class Item:
    def __init__(self, name: str, price: int, stock: int):
        self.name: str = name
        self.price: int = price
        self.stock: int = stock
        self.asked: int = 0

    def __key__(self):
        return self.name

    def cost(self, n: int) -> int:
        self.asked += 1
        return self.price * n

    def take(self, n: int) -> int:
        if self.stock < n:
            raise SoldOut(self.name)
        self.stock -= n
        return self.stock

    def in_stock(self) -> bool:
        self.asked += 1
        return self.stock > 0


@entity
class Cart:
    def __init__(self, owner: str):
        self.owner: str = owner
        self.items: List[Item] = []
        self.log: List[str] = []

    def __key__(self):
        return self.owner

    def add(self, it: Item) -> int:
        self.items.append(it)
        return len(self.items)

    def prices(self) -> List[int]:
        return [it.cost(1) for it in self.items]

    def names(self) -> List[str]:
        return [it.name for it in self.items]

    def available(self) -> List[str]:
        return [it.name for it in self.items if it.in_stock()]

    def price_map(self, n: int) -> Dict[str, int]:
        return {it.name: it.cost(n) for it in self.items}

    def take_all(self, n: int) -> List[int]:
        self.log.append("take")
        return [it.take(n) for it in self.items]

    def grid(self, ns: List[int]) -> List[int]:
        return [it.cost(n) + it.cost(1) for n in ns for it in self.items if n > 0]

    def with_self(self) -> List[int]:
        return [self.count_log() + it.cost(2) for it in self.items]

    def count_log(self) -> int:
        self.log.append("count")
        return len(self.log)
