from stent import entity


@entity
class M:
    def __init__(self, name: str):
        self.name: str = name
        self.last: float = 0.0

    def __key__(self):
        return self.name

    def div(self, a: int, b: int) -> float:
        self.last = a / b
        return self.last

    def mixed(self, x: int) -> list[float]:
        y = x
        y /= 2
        return [x * 1.0, x + 0.5, 2 * 3.0, 10 / 4 * 2, y, x / x]

    def whole(self) -> float:
        return 6.0
