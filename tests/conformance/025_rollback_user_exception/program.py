from stent import entity


class Boom(Exception):
    pass


@entity
class Part:
    def __init__(self, name: str):
        self.name: str = name
        self.v: int = 0
        self.trail: list[str] = []

    def __key__(self):
        return self.name

    def bump(self, by: int, fail: bool) -> int:
        self.v += by
        self.trail.append(f"+{by}")
        if fail:
            raise Boom(f"{self.name} refused {by}")
        return self.v


@entity
class Coordinator:
    def __init__(self, name: str):
        self.name: str = name
        self.runs: int = 0

    def __key__(self):
        return self.name

    def all3(self, a: Part, b: Part, c: Part, fail_at: int) -> int:
        self.runs += 1
        total = a.bump(1, fail_at == 1)
        total += b.bump(10, fail_at == 2)
        total += c.bump(100, fail_at == 3)
        if fail_at == 4:
            raise Boom(f"coordinator gave up after {total}")
        return total
