from stent import entity


@entity
class B:
    def __init__(self, name: str):
        self.name: str = name

    def __key__(self):
        return self.name

    def ping(self) -> int:
        return 1


@entity
class A:
    def __init__(self, name: str):
        self.name: str = name

    def __key__(self):
        return self.name

    def f(self, b: B) -> int:
        return b.pong()
