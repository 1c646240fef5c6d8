from stent import entity


@entity
class M:
    def __init__(self, name: str):
        self.name: str = name
        self.last: float = 0.0

    def __key__(self):
        return self.name

    def b(self, xs: list[int], fs: list[float], s: str) -> list[str]:
        return [
            str(len(xs)), str(len(s)), str(len({"a": 1, "b": 2})),
            str(min(xs)), str(max(xs)), str(min(3, 1, 2)), str(max(2.5, 1)), str(min("b", "a")),
            str(abs(-7)), str(abs(-2.5)), str(abs(0)),
            str(sum(xs)), str(sum(fs)), str(sum([])),
            str(sorted(xs)),
            str(1) + str(1.0) + str(True) + str(None) + str(-0.5),
            str(int("42")) + "|" + str(int(3.99)) + "|" + str(int(-3.99)) + "|" + str(int(True)),
            str(float("1.5")) + "|" + str(float(3)) + "|" + str(float(" -2 ")),
            str(bool(0)) + str(bool(2)) + str(bool("")) + str(bool("False")) + str(bool([])),
        ]
