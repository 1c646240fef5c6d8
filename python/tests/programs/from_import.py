from stateflow import stateflow


@stateflow
class Counter:
    def __init__(self, name: str, n: int):
        self.name = name
        self.n = n

    def inc(self, by: int) -> int:
        self.n += by
        return self.n

    def __key__(self):
        return self.name


@stateflow
class Account:
    def __init__(self, id: int):
        self.id = id
        self.x = 0.5

    def __key__(self):
        return self.id
