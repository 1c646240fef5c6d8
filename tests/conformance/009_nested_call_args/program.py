from stent import entity


@entity
class Acc:
    def __init__(self, name: str):
        self.name: str = name
        self.items: list[int] = []

    def __key__(self):
        return self.name

    def push(self, v: int) -> int:
        self.items.append(v)
        return len(self.items)

    def add(self, a: int, b: int) -> int:
        self.items.append(a + b)
        return a + b


@entity
class Runner:
    def __init__(self, name: str):
        self.name: str = name

    def __key__(self):
        return self.name

    def go(self, acc: Acc) -> int:
        return acc.push(acc.push(1) * 10 + acc.push(2))

    def two_entities(self, x: Acc, y: Acc) -> int:
        return x.add(y.add(x.push(5), y.push(6)), x.add(1, y.push(7)))
