from typing import List

from stent import entity


@entity
class Probe:
    def __init__(self, name: str, value: int):
        self.name: str = name
        self.value: int = value
        self.calls: int = 0

    def __key__(self):
        return self.name

    def get(self) -> int:
        self.calls += 1
        return self.value

    def check(self, limit: int) -> bool:
        self.calls += 1
        return self.value > limit


@entity
class Board:
    def __init__(self, name: str):
        self.name: str = name
        self.probes: List[Probe] = []

    def __key__(self):
        return self.name

    def add(self, p: Probe) -> int:
        self.probes.append(p)
        return len(self.probes)

    def total(self) -> int:
        return sum(p.get() for p in self.probes)

    def total_from(self, start: int) -> int:
        return sum((p.get() for p in self.probes), start)

    def lowest(self) -> int:
        return min(p.get() for p in self.probes)

    def highest_local(self, xs: List[int]) -> int:
        return max(x * x for x in xs if x < 10)

    def any_over(self, limit: int) -> bool:
        return any(p.check(limit) for p in self.probes)

    def all_over(self, limit: int) -> bool:
        return all(p.check(limit) for p in self.probes)

    def safe_all(self, xs: List[int]) -> bool:
        return all(10 // x > 1 for x in xs)

    def ordered(self) -> List[int]:
        return sorted(p.get() for p in self.probes)

    def ordered_desc(self) -> List[int]:
        return sorted((p.get() for p in self.probes), reverse=True)

    def as_list(self, n: int) -> List[int]:
        return list(i * 3 for i in range(n))

    def label(self, sep: str) -> str:
        return sep.join(p.name + "=" + str(p.get()) for p in self.probes)

    def frozen(self, n: int) -> int:
        t = tuple(i + 1 for i in range(n))
        return len(t) + sum(t)
