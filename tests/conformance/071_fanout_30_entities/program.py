from typing import List

from stent import entity


@entity
class Counter:
    def __init__(self, name: str):
        self.name: str = name
        self.n: int = 0

    def __key__(self):
        return self.name

    def add(self, k: int) -> int:
        if self.n + k < 0:
            raise ValueError(f"{self.name} would go negative")
        self.n += k
        return self.n


@entity
class Hub:
    def __init__(self, name: str):
        self.name: str = name

    def __key__(self):
        return self.name

    def spread(self, cs: List[Counter], k: int, last_k: int) -> int:
        total = 0
        i = 0
        for c in cs:
            i += 1
            total += c.add(last_k if i == len(cs) else k)
        return total
