from stent import entity


@entity
class Reg:
    def __init__(self, name: str):
        self.name: str = name
        self.d: dict[str, int] = {}

    def __key__(self):
        return self.name

    def put(self, k: str, v: int) -> dict[str, int]:
        self.d[k] = v
        return self.d

    def move_to_end(self, k: str) -> dict[str, int]:
        v = self.d[k]
        del self.d[k]
        self.d[k] = v
        return self.d

    def walk(self, stop: str) -> list[str]:
        out = []
        for k in self.d.keys():
            out.append(k)
        for v in self.d.values():
            out.append(str(v))
        for k, v in self.d.items():
            if k == stop:
                out.append("break")
                break
            out.append(f"{k}={v}")
        else:
            out.append("else")
        return out
