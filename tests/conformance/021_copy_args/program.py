from stent import entity


@entity
class Sink:
    def __init__(self, name: str):
        self.name: str = name
        self.seen: list[int] = []
        self.conf: dict[str, int] = {}

    def __key__(self):
        return self.name

    def consume(self, xs: list[int]) -> int:
        xs.append(99)
        self.seen = xs
        return len(xs)

    def configure(self, d: dict[str, int]) -> int:
        d["added"] = 1
        self.conf = d
        return len(d)


@entity
class Source:
    def __init__(self, name: str):
        self.name: str = name
        self.mine: list[int] = [1, 2]

    def __key__(self):
        return self.name

    def send_local(self, s: Sink) -> list[str]:
        xs = [1, 2, 3]
        n = s.consume(xs)
        xs.append(4)
        return [str(xs), str(n)]

    def send_field(self, s: Sink) -> list[int]:
        s.consume(self.mine)
        self.mine.append(7)
        return self.mine

    def send_dict(self, s: Sink) -> dict[str, int]:
        d = {"a": 1}
        s.configure(d)
        d["b"] = 2
        return d
