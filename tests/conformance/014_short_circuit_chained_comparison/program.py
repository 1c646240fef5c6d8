from stent import entity


@entity
class Probe:
    def __init__(self, name: str):
        self.name: str = name
        self.calls: int = 0

    def __key__(self):
        return self.name

    def check(self, v: bool) -> bool:
        self.calls += 1
        return v

    def value(self, v: int) -> int:
        self.calls += 1
        return v

    def text(self, s: str) -> str:
        self.calls += 1
        return s


@entity
class Cmp:
    def __init__(self, name: str):
        self.name: str = name

    def __key__(self):
        return self.name

    def between(self, p: Probe, lo: int, x: int, hi: int) -> bool:
        return p.value(lo) < p.value(x) < p.value(hi)

    def desc(self, p: Probe, a: int) -> bool:
        return p.value(a) > 5 > p.value(2)
