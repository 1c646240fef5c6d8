from typing import Dict, List, Optional, Tuple

from stent import entity


@entity
class A:
    def __init__(self, name: str):
        self.name: str = name

    def __key__(self):
        return self.name

    def total(self, n: int) -> int:
        s = 0
        for i in range(1, n, 2):
            s += i
        for j in range(n, 0, -1):
            s -= j
        return s
