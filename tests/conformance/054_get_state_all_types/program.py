from typing import Dict, List, Optional, Tuple

from stent import entity


@entity
class Peer:
    def __init__(self, pid: int):
        self.pid: int = pid

    def __key__(self):
        return self.pid


@entity
class Everything:
    def __init__(self, name: str, ratio: float):
        self.name: str = name
        self.count: int = 3
        self.ratio: float = ratio
        self.flag: bool = True
        self.nothing: Optional[str] = None
        self.nums: List[int] = [1, 2, 3]
        self.nested: Dict[str, List[int]] = {"a": [1], "b": []}
        self.pair: Tuple[int, str] = (1, "one")
        self.friend: Optional[Peer] = None
        self.peers: List[Peer] = []
        self.empty: Dict[int, float] = {}

    def __key__(self):
        return self.name

    def befriend(self, p: Peer) -> int:
        self.friend = p
        self.peers.append(p)
        self.empty[p.pid] = self.ratio * 2
        self.ratio = self.ratio * 3
        return len(self.peers)
