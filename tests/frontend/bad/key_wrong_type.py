from typing import List

from stent import entity


@entity
class A:
    def __init__(self, name: str):
        self.tags: List[str] = []

    def __key__(self):
        return self.tags
