from typing import Dict, List, Optional, Tuple

from stent import entity


@entity
class A:
    def __init__(self, name: str):
        self.name: str = name
        self.x: int = 0

    def __key__(self):
        return self.name

    def go(self, a: int, b: float) -> float:
        return (a + 1) * 2 - a // 3 % 2 + b / 2 + -a ** 2
