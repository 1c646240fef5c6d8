from typing import Dict, List, Optional, Tuple

from stent import entity


@entity
class A:
    def __init__(self, name: str):
        self.name: str = name
        self.d: Dict[str, int] = {}

    def __key__(self):
        return self.name

    def bump(self, k: str) -> int:
        self.d[k] = self.d.get(k, 0)
        self.d[k] += 1
        return self.d[k]
