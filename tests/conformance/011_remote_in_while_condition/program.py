from stent import entity


@entity
class Ticker:
    def __init__(self, name: str):
        self.name: str = name
        self.n: int = 0

    def __key__(self):
        return self.name

    def next(self) -> int:
        self.n += 1
        return self.n


@entity
class Looper:
    def __init__(self, name: str):
        self.name: str = name
        self.trace: list[str] = []

    def __key__(self):
        return self.name

    def count_until(self, t: Ticker, limit: int) -> int:
        rounds = 0
        while t.next() < limit:
            rounds += 1
        return rounds

    def with_else(self, t: Ticker, limit: int, stop_at: int) -> str:
        while t.next() < limit:
            if t.n == stop_at:
                self.trace.append("break")
                break
        else:
            self.trace.append("else")
            return "exhausted"
        return "stopped"
