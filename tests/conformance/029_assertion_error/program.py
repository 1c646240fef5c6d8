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
class Checker:
    def __init__(self, name: str):
        self.name: str = name
        self.ok: int = 0

    def __key__(self):
        return self.name

    def positive(self, led: Ledger, x: int) -> int:
        led.record(str(x))
        self.ok += 1
        assert x > 0, f"expected positive, got {x}"
        return x

    def nonempty(self, s: str) -> str:
        self.ok += 1
        assert s
        return s
