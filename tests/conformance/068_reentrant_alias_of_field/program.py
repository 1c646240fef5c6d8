from stent import entity


@entity
class Holder:
    def __init__(self, name: str):
        self.name: str = name
        self.items: list[int] = [1]

    def __key__(self):
        return self.name

    def push(self, v: int) -> int:
        self.items.append(v)
        return len(self.items)

    def run(self, h: "Helper", me: "Holder") -> list[str]:
        alias = self.items
        snapshot = self.items[:]
        h.callback(me, 9)
        return [str(alias), str(snapshot), str(self.items)]


@entity
class Helper:
    def __init__(self, name: str):
        self.name: str = name

    def __key__(self):
        return self.name

    def callback(self, target: Holder, v: int) -> int:
        return target.push(v)
