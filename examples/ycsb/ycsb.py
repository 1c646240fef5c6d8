"""YCSB+T: a closed economy of accounts.

The sum of all balances never changes: transfer() moves money between two
accounts inside one transaction, and a transfer that would overdraw raises
and leaves both accounts untouched.
"""
from stent import entity


class InsufficientBalance(Exception):
    pass


@entity
class Account:
    def __init__(self, key: str, balance: int):
        self.key: str = key
        self.balance: int = balance

    def __key__(self):
        return self.key

    def read(self) -> int:
        return self.balance

    def update(self, value: int) -> int:
        # YCSB "update": overwrite the record's value.
        self.balance = value
        return self.balance

    def credit(self, amount: int) -> int:
        self.balance += amount
        return self.balance

    def transfer(self, to: "Account", amount: int) -> int:
        if amount < 0:
            raise ValueError(f"negative transfer {amount}")
        if self.balance < amount:
            raise InsufficientBalance(f"{self.key} has {self.balance}, cannot send {amount}")
        self.balance -= amount
        to.credit(amount)
        return self.balance

    def read_modify_write(self, delta: int) -> int:
        self.balance = self.read() + delta
        return self.balance
