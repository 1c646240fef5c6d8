from stent import entity


@entity
class A:
    def __init__(self, name: str):
        self.name: str = name

    def __key__(self):
        return self.name

    def f(self, x: int) -> int:
        if (y := x) > 1:
            return y
        return 0
