from typing import Dict, List, Tuple

from stent import entity


@entity
class Room:
    def __init__(self, number: int, building: "Building"):
        self.number: int = number
        self.building: Building = building

    def __key__(self):
        return self.number

    def where(self) -> "Building":
        return self.building


@entity
class Building:
    def __init__(self, name: str):
        self.name: str = name
        self.rooms: List[Room] = []
        self.by_label: Dict[str, Room] = {}

    def __key__(self):
        return self.name

    def add(self, r: Room, label: str) -> List[Room]:
        self.rooms.append(r)
        self.by_label[label] = r
        return self.rooms

    def first(self) -> Room:
        return self.rooms[0]

    def labels(self) -> Dict[str, Room]:
        return self.by_label

    def pair(self) -> Tuple[str, Room]:
        return (self.name, self.rooms[-1])
