from stent import entity


@entity
class M:
    def __init__(self, name: str):
        self.name: str = name
        self.last: float = 0.0

    def __key__(self):
        return self.name

    def r(self, a: int, b: int, c: int) -> list[str]:
        one = []
        for i in range(a):
            one.append(i)
        two = []
        for i in range(a, b):
            two.append(i)
        three = []
        for i in range(a, b, c):
            three.append(i)
        else:
            three.append(-999)
        total = 0
        for i in range(b):
            total += i
        return [str(one), str(two), str(three), str(len(three)), str(total)]
