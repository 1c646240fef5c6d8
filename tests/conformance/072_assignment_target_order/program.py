from stent import entity


@entity
class Log:
    def __init__(self, name: str):
        self.name: str = name
        self.seq: list[str] = []

    def __key__(self):
        return self.name

    def note(self, tag: str) -> str:
        self.seq.append(tag)
        return tag

    def num(self, tag: str, v: int) -> int:
        self.seq.append(tag)
        return v


@entity
class W:
    def __init__(self, name: str):
        self.name: str = name
        self.d: dict[str, int] = {"k": 0}
        self.xs: list[int] = [0, 0]

    def __key__(self):
        return self.name

    def assign(self, log: Log) -> dict[str, int]:
        self.d[log.note("key")] = log.num("value", 5)
        self.d[log.note("k")] += log.num("inc", 2)
        self.xs[log.num("idx", 1)] = log.num("val", 7)
        return self.d
