from stent import entity


@entity
class Ledger:
    def __init__(self, name: str):
        self.name: str = name
        self.n: int = 0
        self.entries: list[str] = []
        self.d: dict[str, int] = {"a": 1}

    def __key__(self):
        return self.name

    def record(self, s: str) -> int:
        self.n += 1
        self.entries.append(s)
        return self.n


@entity
class Parser:
    def __init__(self, name: str):
        self.name: str = name
        self.parsed: list[int] = []

    def __key__(self):
        return self.name

    def parse(self, led: Ledger, s: str) -> int:
        led.record(s)
        v = int(s)
        self.parsed.append(v)
        return v

    def parse_float(self, s: str) -> float:
        self.parsed.append(0)
        return float(s)

    def where(self, x: int) -> int:
        self.parsed.append(x)
        return self.parsed.index(x + 1000)

    def drop(self, x: int) -> int:
        self.parsed.remove(x)
        return len(self.parsed)
