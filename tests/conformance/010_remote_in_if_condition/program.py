from stent import entity


@entity
class Oracle:
    def __init__(self, name: str):
        self.name: str = name
        self.asked: list[str] = []

    def __key__(self):
        return self.name

    def is_big(self, x: int) -> bool:
        self.asked.append(f"big{x}")
        return x > 100

    def is_small(self, x: int) -> bool:
        self.asked.append(f"small{x}")
        return x < 10

    def label(self, s: str) -> str:
        self.asked.append(s)
        return s.upper()


@entity
class Q:
    def __init__(self, name: str):
        self.name: str = name

    def __key__(self):
        return self.name

    def classify(self, o: Oracle, x: int) -> str:
        if o.is_big(x):
            return "big"
        elif o.is_small(x):
            return "small"
        else:
            return "medium"

    def negate(self, o: Oracle, x: int) -> str:
        if not o.is_big(x):
            return "not big"
        return "big"

    def ternary(self, o: Oracle, x: int) -> str:
        return o.label("yes") if o.is_small(x) else o.label("no")
