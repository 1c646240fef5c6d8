from stent import entity


@entity
class Node:
    def __init__(self, name: str):
        self.name: str = name
        self.hits: int = 0
        self.trail: list[int] = []

    def __key__(self):
        return self.name

    def pingpong(self, other: "Node", me: "Node", n: int) -> str:
        self.hits += 1
        self.trail.append(n)
        if n == 0:
            return f"{self.name} after {self.hits}"
        r = other.pingpong(me, other, n - 1)
        return r + "<" + self.name
