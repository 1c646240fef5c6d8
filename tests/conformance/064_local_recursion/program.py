from stent import entity


@entity
class M:
    def __init__(self, name: str):
        self.name: str = name
        self.last: float = 0.0

    def __key__(self):
        return self.name

    def fact(self, n: int) -> int:
        if n <= 1:
            return 1
        return n * self.fact(n - 1)

    def fib(self, n: int) -> int:
        if n < 2:
            return n
        return self.fib(n - 1) + self.fib(n - 2)

    def both(self, n: int) -> list[int]:
        return [self.fact(n), self.fib(n)]
