from stent import entity


@entity
class A:
    def __init__(self, name: str):
        self.name: str = name

    def __key__(self):
        return self.name

    def f(self, xs: list[int]) -> int:
        return len({x * 2 for x in xs})
