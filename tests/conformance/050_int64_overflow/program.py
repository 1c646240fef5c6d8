from stent import entity


@entity
class Big:
    def __init__(self, name: str, v: int):
        self.name: str = name
        self.v: int = v
        self.ops: int = 0

    def __key__(self):
        return self.name

    def add(self, x: int) -> int:
        self.ops += 1
        self.v = self.v + x
        return self.v

    def mul(self, x: int) -> int:
        self.ops += 1
        self.v *= x
        return self.v

    def square_until_big(self) -> int:
        self.ops += 1
        x = 3
        while x < 4000000000000000000:
            x = x * x
        return x

    def power(self, e: int) -> int:
        self.ops += 1
        return 2 ** e
