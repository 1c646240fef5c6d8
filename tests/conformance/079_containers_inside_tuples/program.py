from stent import entity


@entity
class Shelf:
    def __init__(self, key: str):
        self.key: str = key
        self.slots: tuple = ([1], {"n": 0})
        self.label: str = "shelf " + key

    def __key__(self):
        return self.key

    def push_through_alias(self, x: int) -> int:
        t = self.slots
        t[0].append(x)
        return len(self.slots[0])

    def push_in_place(self, x: int) -> int:
        self.slots[0].append(x)
        return len(self.slots[0])

    def count(self) -> int:
        d = self.slots[1]
        d["n"] = d["n"] + 1
        return self.slots[1]["n"]

    def push_then_fail(self, x: int) -> int:
        self.slots[0].append(x)
        if x > 100:
            raise ValueError("too big")
        return len(self.slots[0])

    def items(self) -> list:
        return list(self.slots[0])

    def describe(self) -> str:
        return self.label + ": " + str(len(self.slots[0]))
