from stent import entity


@entity
class M:
    def __init__(self, name: str):
        self.name: str = name
        self.last: float = 0.0

    def __key__(self):
        return self.name

    def reprs(self, x: float) -> list[str]:
        return [str(x), f"{x}", str(x * 3), str(x + 0.2), str(-x), str(int(x)), str(x / 3)]

    def specials(self) -> list[str]:
        return [str(0.1 + 0.2), str(1e16), str(1e15), str(0.00001), str(0.0001), str(100.0), str(-0.0), str(2.5e-3), str(1 / 3)]

    def raw(self, x: float) -> list[float]:
        return [x, x * 3, 0.1 + 0.2, -0.0, 1e300]
