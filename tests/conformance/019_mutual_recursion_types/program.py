from typing import Optional

from stent import entity


@entity
class Even:
    def __init__(self, name: str):
        self.name: str = name
        self.odd: Optional["Odd"] = None
        self.calls: int = 0

    def __key__(self):
        return self.name

    def link(self, o: "Odd") -> bool:
        self.odd = o
        return True

    def check(self, n: int) -> bool:
        self.calls += 1
        if n == 0:
            return True
        if self.odd is None:
            return False
        return self.odd.check(n - 1)


@entity
class Odd:
    def __init__(self, name: str, even: Even):
        self.name: str = name
        self.even: Even = even
        self.calls: int = 0

    def __key__(self):
        return self.name

    def check(self, n: int) -> bool:
        self.calls += 1
        if n == 0:
            return False
        return self.even.check(n - 1)
