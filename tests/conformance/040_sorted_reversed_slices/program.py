from stent import entity


@entity
class M:
    def __init__(self, name: str):
        self.name: str = name
        self.last: float = 0.0

    def __key__(self):
        return self.name

    def sorts(self, xs: list[int], ws: list[str]) -> list[str]:
        s = sorted(xs)
        pairs = []
        for w in ws:
            pairs.append((len(w), w))
        return [
            str(s), str(xs), str(sorted(ws)), str(sorted(pairs)),
            str(xs[::-1]), str(xs[-2:]), str(xs[1::2]), str(xs[:-1]), str(xs[3:0:-1]),
            str(min(xs)), str(max(ws)), str(s[len(s) // 2]),
        ]
