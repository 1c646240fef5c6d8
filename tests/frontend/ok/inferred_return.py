from typing import Dict, List, Optional, Tuple

from stent import entity


@entity
class A:
    def __init__(self, name: str):
        self.name: str = name
        self.n: int = 0

    def __key__(self):
        return self.name

    def get(self):
        return self.n

    def twice(self):
        return self.get() * 2
