from stent import entity


@entity
class M:
    def __init__(self, name: str):
        self.name: str = name
        self.last: float = 0.0

    def __key__(self):
        return self.name

    def vals(self, a: int, b: int, s: str) -> list[str]:
        return [str(a and b), str(a or b), str(s and a), str(s or "empty"), str(not a), str(not s), str([a] and [b]), str(a == b), str(a < b or s)]
