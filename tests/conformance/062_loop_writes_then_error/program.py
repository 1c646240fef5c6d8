from typing import List

from stent import entity


class Full(Exception):
    pass


@entity
class Bucket:
    def __init__(self, name: str, cap: int):
        self.name: str = name
        self.cap: int = cap
        self.level: int = 0

    def __key__(self):
        return self.name

    def fill(self, n: int) -> int:
        if self.level + n > self.cap:
            raise Full(f"{self.name} would hold {self.level + n} > {self.cap}")
        self.level += n
        return self.level


@entity
class Filler:
    def __init__(self, name: str):
        self.name: str = name
        self.filled: int = 0

    def __key__(self):
        return self.name

    def fill_all(self, bs: List[Bucket], n: int) -> int:
        for b in bs:
            b.fill(n)
            self.filled += n
        return self.filled
