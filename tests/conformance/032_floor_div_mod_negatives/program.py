from stent import entity


@entity
class M:
    def __init__(self, name: str):
        self.name: str = name
        self.last: float = 0.0

    def __key__(self):
        return self.name

    def ints(self, a: int, b: int) -> list[int]:
        return [a // b, a % b, -a // b, a // -b, -a % b, a % -b]

    def floats(self, a: float, b: float) -> list[float]:
        return [a // b, a % b, -a // b, -a % b]
