from stent import entity


@entity
class B:
    def __init__(self, name: str):
        self.name: str = name
        self.v: int = 0

    def __key__(self):
        return self.name


@entity
class A:
    def __init__(self, name: str):
        self.name: str = name

    def __key__(self):
        return self.name

    def f(self, b: B) -> int:
        b.v = 3
        return 0
