from typing import Dict

from stent import entity


@entity
class A:
    def __init__(self, name: str):
        self.name: str = name
        self.tags: Dict[str, int] = {}

    def __key__(self):
        return self.name

    def inverted(self) -> Dict[int, str]:
        return {v: k for k, v in self.tags.items() if v > 0}
