from stent import entity


@entity
class U:
    def __init__(self, name: str):
        self.name: str = name
        self.runs: int = 0

    def __key__(self):
        return self.name

    def maybe(self, flag: bool) -> int:
        self.runs += 1
        if flag:
            x = 10
        return x + 1

    def loop_var(self, n: int) -> int:
        self.runs += 1
        for i in range(n):
            last = i
        return last
