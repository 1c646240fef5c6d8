from typing import Dict, List, Optional, Tuple

from stent import entity


@entity
class A:
    def __init__(self, name: str):
        self.name: str = name

    def __key__(self):
        return self.name

    def fmt(self, x: float, w: int) -> str:
        return f"{x:.2f} {x!r} {w:>{w}} {self.name!s}"
