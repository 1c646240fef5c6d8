from stent import entity


@entity
class A:
    def __init__(self, name: str):
        self.name: str = name

    def __key__(self):
        return self.name

    def f(self, xs: list[int]) -> int:
        ys = [y * 2 for y in xs]
        return y
