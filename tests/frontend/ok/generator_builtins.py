from typing import List

from stent import entity


@entity
class P:
    def __init__(self, name: str):
        self.name: str = name
        self.n: int = 0

    def __key__(self):
        return self.name

    def f(self, v: int) -> int:
        return self.n + v


@entity
class A:
    def __init__(self, name: str):
        self.name: str = name
        self.ps: List[P] = []

    def __key__(self):
        return self.name

    def total(self) -> int:
        return sum(p.f(1) for p in self.ps)

    def some(self, limit: int) -> bool:
        return any(p.f(0) > limit for p in self.ps)

    def top(self, xs: List[int]) -> int:
        return max(x * x for x in xs)

    def label(self, xs: List[int]) -> str:
        return ", ".join(str(x) for x in xs if x > 0)
