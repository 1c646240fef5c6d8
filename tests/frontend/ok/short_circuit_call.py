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
        self.on: bool = True

    def __key__(self):
        return self.name

    def go(self, p: P) -> int:
        return self.on and p.f(1)
