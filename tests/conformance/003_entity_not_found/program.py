from stent import entity


@entity
class Target:
    def __init__(self, name: str):
        self.name: str = name
        self.pings: int = 0

    def __key__(self):
        return self.name

    def ping(self) -> int:
        self.pings += 1
        return self.pings


@entity
class Caller:
    def __init__(self, name: str):
        self.name: str = name
        self.sent: int = 0
        self.log: list[str] = []

    def __key__(self):
        return self.name

    def poke(self, t: Target) -> int:
        self.sent += 1
        self.log.append("before")
        n = t.ping()
        self.log.append("after")
        return n

    def peek(self, t: Target) -> str:
        self.sent += 1
        return t.name
