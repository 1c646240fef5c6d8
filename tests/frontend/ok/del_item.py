from typing import Dict, List, Optional, Tuple

from stent import entity


@entity
class A:
    def __init__(self, name: str):
        self.name: str = name
        self.d: Dict[str, int] = {}

    def __key__(self):
        return self.name

    def drop(self, k: str) -> int:
        del self.d[k]
        return len(self.d)
