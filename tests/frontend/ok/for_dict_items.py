from typing import Dict, List, Optional, Tuple

from stent import entity


@entity
class A:
    def __init__(self, name: str):
        self.name: str = name
        self.d: Dict[str, int] = {}

    def __key__(self):
        return self.name

    def keys(self) -> List[str]:
        out = []
        for k, v in self.d.items():
            out.append(f"{k}={v}")
        for k in self.d:
            out.append(k)
        return out
