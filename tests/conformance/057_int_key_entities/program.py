from stent import entity


@entity
class Seat:
    def __init__(self, number: int, row: str):
        self.number: int = number
        self.row: str = row
        self.holder: str = ""

    def __key__(self):
        return self.number

    def claim(self, who: str) -> bool:
        if self.holder != "":
            return False
        self.holder = who
        return True

    def neighbour_holder(self, other: "Seat") -> str:
        return f"{other.number}:{other.holder}"
