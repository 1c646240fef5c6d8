from typing import Dict, List, Optional

from stent import entity


@entity
class Mixed:
    def __init__(self, name: str, size: int, scale: float):
        self.name = name
        self.size = size
        self.scale = scale
        self.count = 0
        self.label = "none"
        self.ok = False
        self.ratio = 1.5
        self.a: List[int] = []
        self.b: list[int] = []
        self.c: Dict[str, int] = {}
        self.d: dict[str, int] = {}
        self.e: Optional[int] = None
        self.f: tuple[int, int] = (0, 0)

    def __key__(self):
        return self.name

    def fill(self, n: int):
        self.count += n
        self.label = f"n={n}"
        self.ok = n > 2
        self.ratio = self.ratio * n
        self.a.append(n)
        self.b.append(n * 2)
        self.c[str(n)] = n
        self.d["k"] = n
        self.e = n
        self.f = (n, self.size)
        return self.count * self.scale
