from typing import Optional

from stent import entity


@entity
class Node:
    def __init__(self, name: str, value: int):
        self.name: str = name
        self.value: int = value
        self.next: Optional["Node"] = None

    def __key__(self):
        return self.name

    def link(self, n: "Node") -> bool:
        self.next = n
        return True

    def sum_rec(self) -> int:
        if self.next is None:
            return self.value
        return self.value + self.next.sum_rec()

    def walk(self) -> str:
        names = [self.name]
        cur = self.next
        while cur is not None:
            names.append(cur.name)
            cur = cur.next
        return ",".join(names[-3:]) + f" ({len(names)})"
