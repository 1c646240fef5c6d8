from stent import entity


class Broke(Exception):
    pass


@entity
class A:
    def __init__(self, name: str):
        self.name: str = name

    def __key__(self):
        return self.name

    def fail(self) -> int:
        raise Broke("no money")
