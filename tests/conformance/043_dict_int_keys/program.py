from stent import entity


@entity
class Cal:
    def __init__(self, name: str):
        self.name: str = name
        self.days: dict[int, str] = {}
        self.counts: dict[int, int] = {}

    def __key__(self):
        return self.name

    def mark(self, day: int, what: str) -> dict[int, str]:
        self.days[day] = what
        self.counts[day % 3] = self.counts.get(day % 3, 0) + 1
        return self.days

    def lookup(self, day: int) -> str:
        return self.days.get(day, "free")

    def total(self) -> int:
        t = 0
        for k in self.days.keys():
            t += k
        return t
