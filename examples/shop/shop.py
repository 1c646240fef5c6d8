"""A small web shop: items with stock, users with a balance and a basket.

User.buy_item talks to the Item entity remotely (price read, stock check and
decrement). Failures raise user exceptions, which abort the whole request, so
a failed purchase never leaves stock decremented or money taken.
"""
from typing import Dict, List

from stent import entity


class OutOfStock(Exception):
    pass


class InsufficientFunds(Exception):
    pass


class InvalidAmount(Exception):
    pass


@entity
class Item:
    def __init__(self, name: str, price: int):
        self.name: str = name
        self.price: int = price
        self.stock: int = 0
        self.sold: int = 0

    def __key__(self):
        return self.name

    def restock(self, amount: int) -> int:
        if amount <= 0:
            raise InvalidAmount(f"restock amount must be positive, got {amount}")
        self.stock += amount
        return self.stock

    def set_price(self, price: int) -> int:
        old = self.price
        self.price = price
        return old

    def in_stock(self, amount: int) -> bool:
        return self.stock >= amount

    def take(self, amount: int) -> int:
        if self.stock < amount:
            raise OutOfStock(f"{self.name}: wanted {amount}, only {self.stock} left")
        self.stock -= amount
        self.sold += amount
        return self.stock

    def give_back(self, amount: int) -> int:
        self.stock += amount
        self.sold -= amount
        return self.stock


@entity
class User:
    def __init__(self, username: str, balance: int):
        self.username: str = username
        self.balance: int = balance
        self.basket: List[Item] = []
        self.quantities: Dict[str, int] = {}
        self.spent: int = 0

    def __key__(self):
        return self.username

    def top_up(self, amount: int) -> int:
        if amount <= 0:
            raise InvalidAmount(f"top-up must be positive, got {amount}")
        self.balance += amount
        return self.balance

    def buy_item(self, amount: int, item: Item) -> bool:
        if amount <= 0:
            raise InvalidAmount(f"cannot buy {amount} items")
        total = amount * item.price
        if self.balance < total:
            raise InsufficientFunds(f"{self.username} has {self.balance}, needs {total}")
        if not item.in_stock(amount):
            raise OutOfStock(f"{item.name} cannot supply {amount}")
        item.take(amount)
        self.balance -= total
        self.spent += total
        name = item.name
        if name not in self.quantities:
            self.basket.append(item)
            self.quantities[name] = 0
        self.quantities[name] += amount
        return True

    def buy_many(self, items: List[Item], amount: int) -> int:
        # All-or-nothing: if any item fails, every earlier purchase in this
        # request is rolled back too.
        total = 0
        for it in items:
            self.buy_item(amount, it)
            total += amount * it.price
        return total

    def return_item(self, item: Item, amount: int) -> int:
        name = item.name
        have = self.quantities.get(name, 0)
        if have < amount:
            raise ValueError(f"{self.username} only has {have} of {name}")
        refund = amount * item.price
        item.give_back(amount)
        self.quantities[name] = have - amount
        if self.quantities[name] == 0:
            del self.quantities[name]
            kept = []
            for it in self.basket:
                if it.name != name:
                    kept.append(it)
            self.basket = kept
        self.balance += refund
        self.spent -= refund
        return refund

    def basket_value(self) -> int:
        value = 0
        for it in self.basket:
            value += it.price * self.quantities[it.name]
        return value

    def receipt(self) -> str:
        lines = []
        for name, qty in self.quantities.items():
            lines.append(f"{name} x{qty}")
        return f"{self.username}: " + ", ".join(sorted(lines)) + f" (spent {self.spent})"
