from typing import List

from stent import entity


@entity
class A:
    def __init__(self, name: str):
        self.name: str = name
        self.rows: List[List[int]] = []

    def __key__(self):
        return self.name

    def evens(self, xs: List[int]) -> List[int]:
        x = 0
        ys = [x * 2 for x in xs if x % 2 == 0]
        return ys + [x]

    def flat(self) -> List[int]:
        return [v for row in self.rows for v in row if v]
