from stent import entity


@entity
class M:
    def __init__(self, name: str):
        self.name: str = name
        self.last: float = 0.0

    def __key__(self):
        return self.name

    def ops(self, xs: list[int]) -> list[str]:
        out = []
        xs.append(9)
        out.append(str(xs))
        out.append(str(xs.pop()))
        out.append(str(xs.pop(0)))
        xs.insert(1, 100)
        xs.insert(-1, 200)
        xs.insert(50, 300)
        out.append(str(xs))
        xs.remove(100)
        out.append(str(xs.index(200)))
        xs.extend([7, 7])
        out.append(str(xs.count(7)))
        xs.sort()
        out.append(str(xs))
        xs.reverse()
        out.append(str(xs))
        out.append(str(xs + [0] * 2))
        out.append(str(7 in xs) + str(8 in xs) + str(8 not in xs))
        return out
