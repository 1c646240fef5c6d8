from typing import Dict, List

from stent import entity


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


@entity
class A:
    def __init__(self, name: str):
        self.name: str = name
        self.ps: List[P] = []

    def __key__(self):
        return self.name

    def calls(self) -> List[int]:
        return [p.f(1) for p in self.ps if p.n > 0]

    def by_name(self) -> Dict[str, int]:
        return {p.name: p.f(2) for p in self.ps}
