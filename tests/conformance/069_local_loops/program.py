from stent import entity


@entity
class M:
    def __init__(self, name: str):
        self.name: str = name
        self.last: float = 0.0

    def __key__(self):
        return self.name

    def primes(self, n: int) -> list[int]:
        out = []
        for i in range(2, n):
            for p in out:
                if i % p == 0:
                    break
            else:
                out.append(i)
        return out

    def find(self, xs: list[int], target: int) -> str:
        i = 0
        while i < len(xs):
            if xs[i] < 0:
                i += 1
                continue
            if xs[i] == target:
                break
            i += 1
        else:
            return "absent"
        return f"at {i}"
