from stent import entity


@entity
class Stats:
    def __init__(self, name: str):
        self.name: str = name
        self.data: list[int] = [4, 8, 1]
        self.range: tuple[int, int] = (0, 0)

    def __key__(self):
        return self.name

    def bounds(self) -> tuple[int, int]:
        self.range = (min(self.data), max(self.data))
        return self.range


@entity
class Use:
    def __init__(self, name: str):
        self.name: str = name

    def __key__(self):
        return self.name

    def run(self, s: Stats) -> list[str]:
        lo, hi = s.bounds()
        a, b = 1, 2
        a, b = b, a
        x, y, z = [7, 8, 9]
        t = (lo, hi, "t")
        first, second, third = t
        out = [str(lo), str(hi), str(a), str(b), str(x + y + z), str(t), str(t[1]), third, str(len(t))]
        for k, v in {"p": 1, "q": 2}.items():
            out.append(k + str(v))
        return out

    def pair(self, s: Stats) -> tuple[str, int]:
        return (s.name, s.bounds()[1])
