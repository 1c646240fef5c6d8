"""Accounts that belong to branches.

Money moves with Account.transfer(to, amount), a remote call on the
destination account. Branch keeps a list of its accounts and aggregates over
them with remote calls; Branch.transfer_between goes through two accounts and
checks its own limits, so a failure anywhere rolls every entity back.
"""
from typing import List, Optional

from stent import entity


class InsufficientFunds(Exception):
    pass


class InvalidAmount(Exception):
    pass


class AccountFrozen(Exception):
    pass


class LimitExceeded(Exception):
    pass


@entity
class Account:
    def __init__(self, number: str, owner: str, balance: int):
        self.number: str = number
        self.owner: str = owner
        self.balance: int = balance
        self.frozen: bool = False
        self.history: List[str] = []
        self.branch_name: Optional[str] = None

    def __key__(self):
        return self.number

    def set_branch(self, name: str) -> str:
        if self.branch_name is not None:
            raise ValueError(f"{self.number} already belongs to {self.branch_name}")
        self.branch_name = name
        return self.number

    def get_balance(self) -> int:
        return self.balance

    def deposit(self, amount: int) -> int:
        if amount <= 0:
            raise InvalidAmount(f"deposit must be positive, got {amount}")
        if self.frozen:
            raise AccountFrozen(f"account {self.number} is frozen")
        self.balance += amount
        self.history.append(f"+{amount}")
        return self.balance

    def withdraw(self, amount: int) -> int:
        if amount <= 0:
            raise InvalidAmount(f"withdrawal must be positive, got {amount}")
        if self.frozen:
            raise AccountFrozen(f"account {self.number} is frozen")
        if self.balance < amount:
            raise InsufficientFunds(f"{self.number} has {self.balance}, needs {amount}")
        self.balance -= amount
        self.history.append(f"-{amount}")
        return self.balance

    def transfer(self, to: "Account", amount: int) -> int:
        # Withdraw first, then deposit remotely: if the deposit fails (frozen
        # target, missing account) the withdrawal is rolled back too.
        self.withdraw(amount)
        to.deposit(amount)
        return self.balance

    def freeze(self) -> bool:
        was = self.frozen
        self.frozen = True
        return not was

    def unfreeze(self) -> bool:
        was = self.frozen
        self.frozen = False
        return was

    def statement(self) -> str:
        recent = self.history[-5:]
        return f"{self.owner} ({self.number}): {self.balance} [{' '.join(recent)}]"


@entity
class Branch:
    def __init__(self, name: str, transfer_limit: int):
        self.name: str = name
        self.transfer_limit: int = transfer_limit
        self.accounts: List[Account] = []
        self.owners: dict[str, str] = {}
        self.transfers: int = 0

    def __key__(self):
        return self.name

    def open(self, account: Account) -> int:
        number = account.set_branch(self.name)
        self.owners[number] = account.owner
        self.accounts.append(account)
        return len(self.accounts)

    def total_deposits(self) -> int:
        total = 0
        for acc in self.accounts:
            total += acc.get_balance()
        return total

    def richest(self) -> str:
        best = ""
        best_balance = -1
        for acc in self.accounts:
            b = acc.balance
            if b > best_balance:
                best = acc.owner
                best_balance = b
        return best

    def transfer_between(self, src: Account, dst: Account, amount: int) -> int:
        if amount > self.transfer_limit:
            raise LimitExceeded(f"{amount} exceeds the {self.name} limit of {self.transfer_limit}")
        left = src.transfer(dst, amount)
        self.transfers += 1
        return left

    def pay_interest(self, percent: int) -> int:
        paid = 0
        for acc in self.accounts:
            interest = acc.balance * percent // 100
            if interest > 0:
                acc.deposit(interest)
                paid += interest
        return paid

    def report(self) -> dict[str, int]:
        out = {}
        for acc in self.accounts:
            out[acc.number] = acc.balance
        return out
