from typing import Dict, List

from stent import entity


@entity
class Lamp:
    def __init__(self, name: str):
        self.name: str = name
        self.on: bool = False
        self.toggles: int = 0

    def __key__(self):
        return self.name

    def toggle(self) -> bool:
        self.on = not self.on
        self.toggles += 1
        return self.on


@entity
class Panel:
    def __init__(self, name: str):
        self.name: str = name
        self.lamps: List[Lamp] = []
        self.named: Dict[str, Lamp] = {}

    def __key__(self):
        return self.name

    def install(self, l: Lamp) -> int:
        self.lamps.append(l)
        self.named[l.name] = l
        return len(self.lamps)

    def pick(self, i: int) -> Lamp:
        return self.lamps[i]

    def flip(self, i: int) -> bool:
        return self.lamps[i].toggle()

    def flip_named(self, n: str) -> bool:
        return self.named[n].toggle()

    def flip_last_local(self) -> str:
        l = self.lamps[-1]
        l.toggle()
        return f"{l.name}:{l.on}"


@entity
class Remote:
    def __init__(self, name: str):
        self.name: str = name

    def __key__(self):
        return self.name

    def via(self, p: Panel, i: int) -> str:
        lamp = p.pick(i)
        state = lamp.toggle()
        return f"{lamp.name} {state} {lamp.toggles}"
