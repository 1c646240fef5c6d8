from stent import entity


@entity
class M:
    def __init__(self, name: str):
        self.name: str = name
        self.last: float = 0.0

    def __key__(self):
        return self.name

    def truth(self, i: int, f: float, s: str, xs: list[int], d: dict[str, int]) -> list[str]:
        out = []
        if i:
            out.append("i")
        if f:
            out.append("f")
        if s:
            out.append("s")
        if xs:
            out.append("xs")
        if d:
            out.append("d")
        out.append(str(bool(i)) + str(bool(f)) + str(bool(s)) + str(bool(xs)) + str(bool(d)))
        out.append(str(not i) + str(not s) + str(not xs))
        out.append(str(i or 99) + "|" + str(s or "dflt") + "|" + str(xs and len(xs)))
        n = 0
        while xs:
            xs.pop()
            n += 1
        out.append(str(n))
        return out
