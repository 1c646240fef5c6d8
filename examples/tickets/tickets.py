"""Seat booking for events, with a waitlist.

Customer.book(event, seats) reserves specific seats (all or none) and pays.
When an event is sold out, customers can join its waitlist; a cancellation
hands the freed seat to the first waitlisted customer who can pay, charging
them with a remote call, all inside the cancelling request.
"""
from typing import Dict, List, Optional

from stent import entity


class SeatTaken(Exception):
    pass


class NoSuchSeat(Exception):
    pass


class InsufficientFunds(Exception):
    pass


@entity
class Event:
    def __init__(self, event_id: str, title: str, seats: int, price: int):
        self.event_id: str = event_id
        self.title: str = title
        self.seats: int = seats
        self.price: int = price
        self.holders: Dict[int, str] = {}
        self.waitlist: List["Customer"] = []
        self.revenue: int = 0

    def __key__(self):
        return self.event_id

    def free_seats(self) -> List[int]:
        out = []
        for s in range(1, self.seats + 1):
            if s not in self.holders:
                out.append(s)
        return out

    def reserve(self, seats: List[int], who: str) -> int:
        for s in seats:
            if s < 1 or s > self.seats:
                raise NoSuchSeat(f"{self.title} has no seat {s}")
            if s in self.holders:
                raise SeatTaken(f"seat {s} of {self.title} is taken by {self.holders[s]}")
            self.holders[s] = who
        cost = self.price * len(seats)
        self.revenue += cost
        return cost

    def release(self, seat: int, who: str) -> Optional[str]:
        if self.holders.get(seat) != who:
            raise NoSuchSeat(f"{who} does not hold seat {seat} of {self.title}")
        del self.holders[seat]
        self.revenue -= self.price
        # hand the seat to the first waitlisted customer who can pay
        while len(self.waitlist) > 0:
            c = self.waitlist.pop(0)
            if c.charge(self.price, f"{self.event_id}#{seat}"):
                self.holders[seat] = c.name
                self.revenue += self.price
                return c.name
        return None

    def join_waitlist(self, c: "Customer") -> int:
        if len(self.holders) < self.seats:
            raise ValueError(f"{self.title} still has {self.seats - len(self.holders)} free seats")
        self.waitlist.append(c)
        return len(self.waitlist)

    def occupancy(self) -> str:
        pct = len(self.holders) / self.seats * 100
        return f"{self.title}: {len(self.holders)}/{self.seats} ({pct:.0f}%), waitlist {len(self.waitlist)}"


@entity
class Customer:
    def __init__(self, name: str, wallet: int):
        self.name: str = name
        self.wallet: int = wallet
        self.tickets: List[str] = []

    def __key__(self):
        return self.name

    def book(self, event: Event, seats: List[int]) -> List[str]:
        if len(seats) == 0:
            raise ValueError("no seats requested")
        cost = event.price * len(seats)
        if cost > self.wallet:
            raise InsufficientFunds(f"{self.name} has {self.wallet}, {len(seats)} seats cost {cost}")
        event.reserve(seats, self.name)
        self.wallet -= cost
        for s in seats:
            self.tickets.append(f"{event.event_id}#{s}")
        return self.tickets

    def book_best(self, event: Event, n: int) -> List[int]:
        free = event.free_seats()
        if len(free) < n:
            raise SeatTaken(f"only {len(free)} seats left for {event.title}")
        chosen = free[:n]
        self.book(event, chosen)
        return chosen

    def charge(self, amount: int, ticket: str) -> bool:
        if amount > self.wallet:
            return False
        self.wallet -= amount
        self.tickets.append(ticket)
        return True

    def cancel(self, event: Event, seat: int) -> Optional[str]:
        ticket = f"{event.event_id}#{seat}"
        if ticket not in self.tickets:
            raise NoSuchSeat(f"{self.name} has no ticket {ticket}")
        successor = event.release(seat, self.name)
        self.tickets.remove(ticket)
        self.wallet += event.price
        return successor
