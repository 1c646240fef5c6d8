from stent import entity


class Rejected(Exception):
    pass


@entity
class Level:
    def __init__(self, name: str, depth: int):
        self.name: str = name
        self.depth: int = depth
        self.passes: int = 0

    def __key__(self):
        return self.name

    def down(self, chain: list["Level"], limit: int) -> int:
        self.passes += 1
        if self.depth >= limit:
            raise Rejected(f"depth {self.depth} reached limit {limit} at {self.name!r}")
        if len(chain) == 0:
            return self.depth
        nxt = chain[0]
        return nxt.down(chain[1:], limit) + 1
