from typing import Dict, List, Optional, Tuple

from stent import entity


@entity
class A:
    def __init__(self, name: str):
        self.name: str = name
        self.n: int = 0

    def __key__(self):
        return self.name

    def inc(self, v: int) -> int:
        self.n += v
        return self.n

    def twice(self) -> int:
        return self.inc(1) + self.inc(2)
