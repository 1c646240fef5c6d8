from typing import Dict, List, Optional, Tuple

from stent import entity


@entity
class A:
    def __init__(self, name: str):
        self.name: str = name

    def __key__(self):
        return self.name

    def sign(self, x: int) -> str:
        if x > 0:
            return "pos"
        elif x < 0:
            return "neg"
        else:
            return "zero"
