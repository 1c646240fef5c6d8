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
class Lookup:
    def __init__(self, name: str):
        self.name: str = name
        self.table: dict[str, int] = {"one": 1, "two": 2}
        self.hits: int = 0

    def __key__(self):
        return self.name

    def find(self, led: Ledger, k: str) -> int:
        self.hits += 1
        led.record(k)
        return self.table[k]

    def remove(self, k: str) -> int:
        self.hits += 1
        v = self.table.pop(k)
        return v

    def delete(self, k: str) -> int:
        self.hits += 1
        del self.table[k]
        return len(self.table)

    def safe(self, k: str) -> int:
        if k in self.table:
            return self.table[k]
        return self.table.get(k, -1)
