from typing import Dict, List, Optional, Tuple

from stent import entity


@entity
class A:
    def __init__(self, name: str):
        self.name: str = name
        self.xs: List[int] = []

    def __key__(self):
        return self.name

    def evens(self) -> List[int]:
        out = []
        for x in self.xs:
            if x % 2:
                continue
            out.append(x)
        return out
