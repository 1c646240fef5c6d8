import stateflow
from typing import Dict, List
import uuid


@stateflow.stateflow
class Warehouse:
    def __init__(self, wid: str):
        self.wid: str = wid
        self.bins: Dict[str, int] = {}
        self.moves: List[str] = []

    def __key__(self):
        return self.wid

    def put(self, sku: str, n: int) -> int:
        self.bins[sku] = self.bins.get(sku, 0) + n
        self.moves.append(f"in {sku} {n}")
        return self.bins[sku]

    def ship_to(self, other: "Warehouse", sku: str, n: int) -> bool:
        if self.bins.get(sku, 0) < n:
            return False
        self.bins[sku] -= n
        self.moves.append(f"out {sku} {n}")
        other.put(sku, n)
        return True
