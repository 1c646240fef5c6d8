from stent import entity


@entity
class A:
    def __init__(self, name: str):
        self.name: str = name
        self.x: int = 0
        self.notes: list[str] = []

    def __key__(self):
        return self.name

    def start(self, b: "B", me: "A") -> list[int]:
        self.x = 10
        self.notes.append("start")
        seen = b.relay(me)
        after = self.x
        self.notes.append("end")
        return [seen, after]

    def add(self, n: int) -> int:
        self.notes.append(f"add{n} at {self.x}")
        self.x += n
        return self.x


@entity
class B:
    def __init__(self, name: str):
        self.name: str = name
        self.relayed: int = 0

    def __key__(self):
        return self.name

    def relay(self, a: A) -> int:
        self.relayed += 1
        return a.add(5)
