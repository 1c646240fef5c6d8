@entity
class P:
    def __init__(self, name: str):
        self.name: str = name
        self.n: int = 0

    def __key__(self):
        return self.name

    def f(self, v: int) -> int:
        self.n += v
        return self.n


from typing import Dict, List, Optional, Tuple

from stent import entity


@entity
class A:
    def __init__(self, name: str):
        self.name: str = name
        self.ps: List[P] = []

    def __key__(self):
        return self.name

    def add(self, p: P) -> int:
        self.ps.append(p)
        return len(self.ps)

    def total(self) -> int:
        t = 0
        for p in self.ps:
            t += p.f(1)
        return t
