from stent import entity


@entity
class M:
    def __init__(self, name: str):
        self.name: str = name
        self.last: float = 0.0

    def __key__(self):
        return self.name

    def chain(self, a: int, b: int, c: int) -> list[bool]:
        return [a < b < c, a <= b <= c, a == b == c, a < b > c, a != b != a, 1 <= a <= 10, a < b == c]

    def other(self, s: str, t: str) -> list[bool]:
        return [s < t, s == t, [1, 2] < [1, 3], [1, 2] < [1, 2, 0], (1, "b") > (1, "a"), s in t, s not in t]
