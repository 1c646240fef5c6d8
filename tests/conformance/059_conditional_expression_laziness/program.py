from stent import entity


@entity
class Probe:
    def __init__(self, name: str):
        self.name: str = name
        self.calls: list[str] = []

    def __key__(self):
        return self.name

    def mark(self, tag: str) -> str:
        self.calls.append(tag)
        return tag


@entity
class T:
    def __init__(self, name: str):
        self.name: str = name

    def __key__(self):
        return self.name

    def pick(self, p: Probe, x: int) -> str:
        return p.mark("neg") if x < 0 else (p.mark("zero") if x == 0 else p.mark("pos"))
