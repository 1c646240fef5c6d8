from stent import entity


class BadConfig(Exception):
    pass


@entity
class Grid:
    def __init__(self, name: str, w: int, h: int):
        if w <= 0 or h <= 0:
            raise BadConfig(f"bad size {w}x{h}")
        self.name: str = name
        self.w: int = w
        self.h: int = h
        self.cells: list[int] = []
        for i in range(w * h):
            self.cells.append(i % w)
        self.label: str = f"{name}:{w}x{h}"
        self.area: int = w * h
        assert self.area < 100, "grid too large"

    def __key__(self):
        return self.name

    def row_sum(self, r: int) -> int:
        return sum(self.cells[r * self.w:(r + 1) * self.w])
