from stent import entity


@entity
class A:
    def __init__(self, name: str):
        self.name: str = name

    def __key__(self):
        return self.name

    def f(self, xs: list[int]) -> int:
        xs[1:2] = [3]
        return 0
