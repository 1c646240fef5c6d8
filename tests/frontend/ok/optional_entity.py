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
        self.p: Optional[P] = None

    def __key__(self):
        return self.name

    def link(self, p: P) -> bool:
        self.p = p
        return True

    def poke(self) -> int:
        if self.p is None:
            return -1
        return self.p.f(1)
