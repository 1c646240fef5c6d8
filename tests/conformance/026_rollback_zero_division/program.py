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
class Calc:
    def __init__(self, name: str):
        self.name: str = name
        self.ops: int = 0

    def __key__(self):
        return self.name

    def div(self, led: Ledger, a: int, b: int, kind: str) -> float:
        self.ops += 1
        led.record(kind)
        if kind == "floor":
            return float(a // b)
        if kind == "mod":
            return float(a % b)
        if kind == "float":
            return float(a) / float(b)
        return a / b
