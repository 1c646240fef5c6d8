from stent import entity


@entity
class M:
    def __init__(self, name: str):
        self.name: str = name
        self.last: float = 0.0

    def __key__(self):
        return self.name

    def fmt(self, x: float, n: int, s: str) -> list[str]:
        return [
            f"{x:.2f}",
            f"[{n:>5}]",
            f"[{n:<5}]",
            f"[{s:^7}]",
            f"{n:05d}",
            f"{n:+d}",
            f"{x:.1%}",
            f"{n * 1000:,}",
            f"{x}",
            f"{n / 2}",
            f"{s!r}",
            f"{n + 1} {s.upper()} {[n, n]}",
            f"{True} {None} {n > 3}",
        ]
