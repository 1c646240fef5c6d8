from stent import entity


@entity
class Item:
    def __init__(self, name: str, price: int):
        self.name: str = name
        self.price: int = price

    def __key__(self):
        return self.name

    def rename(self, to: str) -> str:
        self.name = to
        return to


@entity
class Cart:
    def __init__(self, owner: str):
        self.owner: str = owner
        self.count: int = 0

    def __key__(self):
        return self.owner

    def add(self, it: Item, n: int) -> int:
        self.count += n
        return self.count

    def bad(self, it: Item) -> int:
        it.rename(self.count + 1)
        return self.add(42, 1)
