from stent import entity


@entity
class R:
    def __init__(self, name: str):
        self.name: str = name
        self.n: int = 0

    def __key__(self):
        return self.name

    def inferred_int(self, x: int):
        return x * 2

    def inferred_str(self):
        return self.name + "!"

    def bare(self, x: int):
        self.n += x
        if x > 5:
            return
        self.n += 100

    def nothing(self):
        self.n += 1


@entity
class Caller:
    def __init__(self, name: str):
        self.name: str = name

    def __key__(self):
        return self.name

    def use(self, r: R) -> str:
        v = r.nothing()
        return f"{v} {v is None} {r.inferred_int(4) + 1}"
