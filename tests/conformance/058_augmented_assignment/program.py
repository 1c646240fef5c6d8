from stent import entity


@entity
class M:
    def __init__(self, name: str):
        self.name: str = name
        self.last: float = 0.0

    def __key__(self):
        return self.name

    def aug(self, x: int) -> list[str]:
        a = x
        a += 3
        a -= 1
        a *= 4
        a //= 3
        a %= 7
        a **= 2
        f = x
        f /= 4
        s = "ab"
        s += "cd"
        s *= 2
        xs = [1]
        alias = xs
        xs += [2, 3]
        d = {"k": 1}
        d["k"] += 10
        d["k"] *= 2
        ys = [5, 6]
        ys[0] += 1
        ys[-1] *= 3
        self.last += 0.5
        return [str(a), str(f), s, str(alias), str(d), str(ys), str(self.last)]
