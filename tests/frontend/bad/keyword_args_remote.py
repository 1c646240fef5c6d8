from stent import entity


@entity
class B:
    def __init__(self, name: str):
        self.name: str = name

    def __key__(self):
        return self.name

    def ping(self, x: int) -> int:
        return x


@entity
class A:
    def __init__(self, name: str):
        self.name: str = name

    def __key__(self):
        return self.name

    def f(self, b: B) -> int:
        return b.ping(x=1)
