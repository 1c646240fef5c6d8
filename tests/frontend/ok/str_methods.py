from typing import Dict, List, Optional, Tuple

from stent import entity


@entity
class A:
    def __init__(self, name: str):
        self.name: str = name

    def __key__(self):
        return self.name

    def clean(self, s: str) -> List[str]:
        return s.strip().lower().replace("a", "b").split(",")
