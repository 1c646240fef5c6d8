import uuid
from typing import List

from stent import entity


class InsufficientFunds(Exception):
    pass


@entity
class Item:
    def __init__(self, item_name: str, price: int):
        self.item_name: str = item_name
        self.stock: int = 0
        self.price: int = price
        self.tags: list[str] = []

    def update_stock(self, amount: int) -> bool:
        if (self.stock + amount) < 0:
            return False
        self.stock += amount
        return True

    def add_tags(self, tags: list[str]) -> list[str]:
        tags.append("seen")
        self.tags = tags
        return self.tags

    def get_tags(self) -> list[str]:
        return self.tags

    def price_ratio(self, n: int) -> float:
        return self.price / n

    def half(self) -> float:
        return self.price / 2

    def __key__(self):
        return self.item_name


@entity
class User:
    def __init__(self, username: str):
        self.username: str = username
        self.balance: int = 0
        self.items: List[Item] = []
        self.counts: dict[int, str] = {}
        self.friend: "User | None" = None
        self.log: list[str] = []

    def update_balance(self, x: int) -> int:
        self.balance += x
        return self.balance

    def buy_item(self, amount: int, item: Item) -> bool:
        total_price = amount * item.price
        if self.balance < total_price:
            raise InsufficientFunds(f"{self.username} has {self.balance}, needs {total_price}")
        self.balance -= total_price
        if not item.update_stock(-amount):
            raise ValueError("out of stock")
        self.items.append(item)
        return True

    def buy_then_fail(self, item: Item, d: int) -> int:
        self.balance -= 1
        item.update_stock(-1)
        return 10 // d

    def poke_then_keyerror(self, item: Item, k: str) -> int:
        item.update_stock(5)
        self.balance += 100
        return {"a": 1}[k]

    def index_error(self, item: Item, i: int) -> str:
        item.add_tags(["x"])
        return item.get_tags()[i]

    def tags_are_copied(self, item: Item) -> list:
        mine = ["a"]
        returned = item.add_tags(mine)
        returned.append("local")
        remote = item.tags
        remote.append("remote-local")
        return [mine, returned, item.get_tags()]

    def set_friend(self, friend: "User") -> None:
        self.friend = friend

    def ping(self, n: int) -> list[str]:
        # Re-entrant: our friend calls back into us and must see our writes.
        self.log.append(f"ping{n}")
        if n > 0 and self.friend is not None:
            self.friend.ping(n - 1)
        return self.log

    def self_via_ref(self, me: "User") -> list[str]:
        local = ["x"]
        me.append_to(local)  # remote even though it is us: `local` is copied
        return local

    def self_local(self) -> list[str]:
        local = ["x"]
        self.append_to(local)  # local call: Python aliasing
        return local

    def append_to(self, xs: list[str]) -> None:
        xs.append("appended")

    def set_counts(self) -> dict[int, str]:
        self.counts = {1: "one", 20: "twenty"}
        return self.counts

    def grow(self, factor: int) -> int:
        self.balance *= factor
        return 0

    def temp_big(self) -> int:
        big = 2 ** 70
        return big // 2 ** 10

    def big_arg(self, other: "User") -> int:
        return other.update_balance(2 ** 64)

    def shout(self) -> str:
        print("hello from", self.username)
        return self.username

    def __key__(self):
        return self.username
