from stent import entity


@entity
class Counter:
    def __init__(self, name: str, start: int):
        self.name: str = name
        self.value: int = start
        self.history: list[int] = []

    def __key__(self):
        return self.name

    def incr(self, by: int) -> int:
        self.value += by
        self.history.append(self.value)
        return self.value

    def read(self) -> int:
        return self.value
