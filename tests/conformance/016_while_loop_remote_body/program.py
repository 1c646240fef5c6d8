from stent import entity


@entity
class Tank:
    def __init__(self, name: str, level: int):
        self.name: str = name
        self.level: int = level

    def __key__(self):
        return self.name

    def drain(self, n: int) -> int:
        take = min(n, self.level)
        self.level -= take
        return take


@entity
class Pump:
    def __init__(self, name: str):
        self.name: str = name
        self.pumped: int = 0

    def __key__(self):
        return self.name

    def empty(self, t: Tank, step: int, max_rounds: int) -> list[int]:
        rounds = 0
        got = []
        while True:
            rounds += 1
            if rounds > max_rounds:
                break
            if rounds % 2 == 0:
                continue
            x = t.drain(step)
            if x == 0:
                break
            got.append(x)
            self.pumped += x
        return got
