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
class Queue:
    def __init__(self, name: str):
        self.name: str = name
        self.q: list[int] = [5, 6]

    def __key__(self):
        return self.name

    def at(self, led: Ledger, i: int) -> int:
        led.record(f"at{i}")
        self.q.append(0)
        return self.q[i]

    def take(self) -> int:
        self.q.append(-1)
        self.q.pop()
        return self.q.pop()

    def text_at(self, s: str, i: int) -> str:
        self.q.append(1)
        return s[i]
