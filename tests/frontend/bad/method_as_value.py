from stent import entity


@entity
class A:
    def __init__(self, name: str):
        self.name: str = name

    def __key__(self):
        return self.name

    def g(self) -> int:
        return 1

    def f(self) -> int:
        h = self.g
        return 0
