import stateflow
import uuid


@stateflow.stateflow
class Item:
    def __init__(self, item_name: str):
        self.item_name: str = item_name
        self.stock: int = 0

    def __key__(self):
        return self.item_name
