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
        if self.flag or p.check(False):
            return "took"
        return "skipped"

    def first_truthy(self, p: Probe, a: int, b: int) -> int:
        return p.value(a) or p.value(b) or p.value(-1)

    def default_text(self, p: Probe, s: str) -> str:
        return p.text(s) or "default"

    def mixed(self, p: Probe, a: bool, b: bool) -> bool:
        return (p.check(a) or p.check(b)) and not p.check(False)
