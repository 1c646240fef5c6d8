from typing import Dict, List, Optional, Tuple

from stent import entity


@entity
class A:
    def __init__(self, name: str):
        self.name: str = name

    def __key__(self):
        return self.name

    def swap(self, a: int, b: int) -> Tuple[int, int]:
        a, b = b, a
        x, (y, z) = 1, (2, 3)
        return (a + x, b + y + z)
