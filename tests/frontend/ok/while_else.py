from typing import Dict, List, Optional, Tuple

from stent import entity


@entity
class A:
    def __init__(self, name: str):
        self.name: str = name

    def __key__(self):
        return self.name

    def count(self, n: int) -> int:
        i = 0
        while i < n:
            i += 1
            if i == 7:
                break
        else:
            i = -1
        return i
