from typing import Dict, List, Optional, Tuple

from stent import entity


@entity
class A:
    def __init__(self, name: str):
        self.name: str = name

    def __key__(self):
        return self.name

    def check(self, x: int) -> int:
        assert x >= 0, f"negative: {x}"
        if x > 100:
            raise ValueError("too big")
        return x
