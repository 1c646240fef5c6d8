from typing import Optional

from stent import entity


@entity
class Slot:
    def __init__(self, name: str):
        self.name: str = name
        self.best: Optional[int] = None
        self.label: Optional[str] = None

    def __key__(self):
        return self.name

    def offer(self, v: int) -> Optional[int]:
        prev = self.best
        if self.best is None or v > self.best:
            self.best = v
        return prev

    def describe(self) -> str:
        if self.label is not None:
            return self.label
        if self.best is None:
            return "empty"
        return f"best={self.best}"

    def set_label(self, s: str) -> Optional[str]:
        if s == "":
            self.label = None
        else:
            self.label = s
        return self.label
