from typing import Optional

from stent import entity


@entity
class Pointer:
    def __init__(self, name: str, target: "Target"):
        self.name: str = name
        self.target: Target = target
        self.uses: int = 0

    def __key__(self):
        return self.name

    def use(self) -> int:
        self.uses += 1
        return self.target.hit()


@entity
class Target:
    def __init__(self, name: str):
        self.name: str = name
        self.hits: int = 0

    def __key__(self):
        return self.name

    def hit(self) -> int:
        self.hits += 1
        return self.hits
