from typing import Dict, List, Optional, Tuple

from stent import entity


@entity
class A:
    def __init__(self, name: str):
        self.name: str = name
        self.xs: List[int] = []

    def __key__(self):
        return self.name

    def stats(self) -> List[int]:
        s = sorted(self.xs, reverse=True)
        return [len(s), min(s), max(s), sum(s), abs(-3), int("4"), round(2.5)]
