from stent import entity


@entity
class Log:
    def __init__(self, name: str):
        self.name: str = name
        self.seq: list[str] = []
        self.n: int = 0

    def __key__(self):
        return self.name

    def note(self, tag: str, v: int) -> int:
        self.seq.append(tag)
        return v

    def tick(self) -> int:
        self.n += 1
        return self.n


@entity
class Driver:
    def __init__(self, name: str):
        self.name: str = name

    def __key__(self):
        return self.name

    def arith(self, log: Log) -> int:
        return log.note("a", 1) * 100 + log.note("b", 2) * 10 - log.note("c", 3)

    def same_entity(self, log: Log) -> int:
        return log.tick() + log.tick() * log.tick()

    def displays(self, log: Log) -> list[int]:
        xs = [log.note("d", 4), log.note("e", 5)]
        d = {"k1": log.note("f", 6), "k2": log.note("g", 7)}
        return [xs[0], xs[1], d["k1"], d["k2"]]

    def fstring(self, log: Log) -> str:
        return f"{log.note('h', 8)}-{log.note('i', 9)}-{log.tick()}"

    def args(self, log: Log) -> int:
        return max(log.note("j", 3), log.note("k", 11), log.note("l", 2))
