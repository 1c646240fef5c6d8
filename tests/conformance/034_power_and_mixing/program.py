from stent import entity


@entity
class M:
    def __init__(self, name: str):
        self.name: str = name
        self.last: float = 0.0

    def __key__(self):
        return self.name

    def powers(self, b: int, e: int) -> list[int]:
        return [b ** e, (-b) ** e, b ** 0, -b ** 2, 2 ** 3 ** 2]

    def fpowers(self, b: int) -> list[float]:
        return [b ** -1, 2.0 ** 3, b ** 0.5, 4 ** 0.5, b * 1.5, b + 0.25, b - 0.5]

    def big(self, e: int) -> int:
        return 10 ** e
