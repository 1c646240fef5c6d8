from stent import entity


@entity
class M:
    def __init__(self, name: str):
        self.name: str = name
        self.last: float = 0.0

    def __key__(self):
        return self.name

    def slices(self, s: str) -> list[str]:
        return [s[::-1], s[-3:], s[1:-1], s[::2], s[5:1:-1], s[-1], s[10:], s[:-10], s[::-2], s[1:100]]

    def repeat(self, s: str, n: int) -> list[str]:
        return [s * n, n * s, s * 0, s + "|" + s, s * -1]
