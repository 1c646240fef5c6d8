from typing import Optional

from stent import entity


@entity
class Node:
    def __init__(self, name: str):
        self.name: str = name
        self.me: Optional["Node"] = None
        self.count: int = 0
        self.log: list[int] = []

    def __key__(self):
        return self.name

    def link(self, me: "Node") -> bool:
        self.me = me
        return self.me is not None

    def append_to(self, xs: list[int]) -> int:
        xs.append(2)
        self.log = xs
        self.count += 1
        return len(xs)

    def via_ref(self) -> list[str]:
        xs = [1]
        if self.me is None:
            return []
        n = self.me.append_to(xs)
        return [str(xs), str(n), str(self.count), str(self.log)]

    def via_self(self) -> list[str]:
        xs = [1]
        n = self.append_to(xs)
        return [str(xs), str(n), str(self.count), str(self.log)]

    def read_own_field(self) -> int:
        self.count = 50
        if self.me is None:
            return -1
        return self.me.count
