from typing import Dict, List, Tuple

from stent import entity


@entity
class Sheet:
    def __init__(self, name: str):
        self.name: str = name
        self.rows: List[List[int]] = []
        self.tags: Dict[str, int] = {}

    def __key__(self):
        return self.name

    def add_row(self, row: List[int]) -> int:
        self.rows.append(row)
        return len(self.rows)

    def tag(self, k: str, v: int) -> int:
        self.tags[k] = v
        return len(self.tags)

    def squares(self, xs: List[int]) -> List[int]:
        return [x * x for x in xs]

    def evens_doubled(self, xs: List[int]) -> List[int]:
        return [x * 2 for x in xs if x % 2 == 0 if x != 4]

    def flatten(self) -> List[int]:
        return [v for row in self.rows for v in row]

    def pairs(self, n: int) -> List[Tuple[int, int]]:
        return [(i, j) for i in range(n) for j in range(i) if (i + j) % 2 == 1]

    def no_leak(self, xs: List[int]) -> List[int]:
        x = -1
        ys = [x + 1 for x in xs]
        ys.append(x)
        return ys

    def shadow_iter(self, x: List[int]) -> List[int]:
        return [x * 10 for x in x]

    def nested(self, n: int) -> List[List[int]]:
        return [[i * j for j in range(1, n + 1)] for i in range(1, n + 1)]

    def lengths(self, words: List[str]) -> Dict[str, int]:
        return {w: len(w) for w in words if w}

    def inverted(self) -> Dict[int, str]:
        return {v: k for k, v in self.tags.items()}

    def over_string(self, s: str) -> List[str]:
        return [c.upper() for c in s if c != "a"]

    def row_sums(self) -> Dict[int, int]:
        return {i: sum(row) for i, row in enumerate(self.rows)}

    def store_squares(self, n: int) -> int:
        self.tags = {str(i): i * i for i in range(n)}
        return len(self.tags)

    def div_all(self, xs: List[int], d: int) -> List[int]:
        return [x // d for x in xs]
