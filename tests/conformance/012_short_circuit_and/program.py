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
class Gate:
    def __init__(self, name: str, flag: bool):
        self.name: str = name
        self.flag: bool = flag

    def __key__(self):
        return self.name

    def guarded(self, p: Probe) -> str:
        if self.flag and p.check(True):
            return "both"
        return "short"

    def chain(self, p: Probe) -> bool:
        return p.check(False) and p.check(True) and p.check(True)

    def value_of_and(self, p: Probe, a: int) -> int:
        return p.value(a) and p.value(99)
