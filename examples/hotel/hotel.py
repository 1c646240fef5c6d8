"""Hotel reservation, after DeathStarBench's hotelReservation.

Hotel: capacity, nightly rate, coarse location and a per-date booking count.
Geo: a region index holding hotel references; nearby() computes a coarse
squared distance with remote field reads of each hotel's position.
Recommend: ranks hotels of a region by rate or by distance.
User: reserve(hotel, date, rooms) checks capacity remotely and pays.
"""
from typing import Dict, List, Optional, Tuple

from stent import entity


class NoAvailability(Exception):
    pass


class InsufficientFunds(Exception):
    pass


class UnknownReservation(Exception):
    pass


@entity
class Hotel:
    def __init__(self, hotel_id: str, name: str, rooms: int, rate: float, lat: float, lon: float):
        self.hotel_id: str = hotel_id
        self.name: str = name
        self.rooms: int = rooms
        self.rate: float = rate
        self.lat: float = lat
        self.lon: float = lon
        self.reservations: Dict[str, int] = {}
        self.revenue: float = 0.0

    def __key__(self):
        return self.hotel_id

    def available(self, date: str) -> int:
        return self.rooms - self.reservations.get(date, 0)

    def book(self, date: str, n: int) -> float:
        if n <= 0:
            raise ValueError(f"cannot book {n} rooms")
        free = self.available(date)
        if free < n:
            raise NoAvailability(f"{self.name} has {free} rooms left on {date}, wanted {n}")
        self.reservations[date] = self.reservations.get(date, 0) + n
        price = self.rate * n
        self.revenue += price
        return price

    def cancel(self, date: str, n: int) -> float:
        booked = self.reservations.get(date, 0)
        if booked < n:
            raise UnknownReservation(f"{self.name} has only {booked} rooms booked on {date}")
        if booked == n:
            del self.reservations[date]
        else:
            self.reservations[date] = booked - n
        refund = self.rate * n
        self.revenue -= refund
        return refund

    def set_rate(self, rate: float) -> float:
        old = self.rate
        self.rate = rate
        return old

    def occupancy(self, date: str) -> str:
        used = self.reservations.get(date, 0)
        return f"{self.name} {date}: {used}/{self.rooms} ({used / self.rooms * 100:.1f}%)"


@entity
class Geo:
    def __init__(self, region: str):
        self.region: str = region
        self.hotels: List[Hotel] = []

    def __key__(self):
        return self.region

    def add_hotel(self, hotel: Hotel) -> int:
        self.hotels.append(hotel)
        return len(self.hotels)

    def nearby(self, lat: float, lon: float, max_dist: float) -> List[Hotel]:
        found = []
        for h in self.hotels:
            dlat = h.lat - lat
            dlon = h.lon - lon
            if dlat * dlat + dlon * dlon <= max_dist * max_dist:
                found.append(h)
        return found

    def search(self, lat: float, lon: float, max_dist: float, date: str, rooms: int) -> List[str]:
        names = []
        for h in self.nearby(lat, lon, max_dist):
            if h.available(date) >= rooms:
                names.append(h.hotel_id)
        return names


@entity
class Recommend:
    def __init__(self, name: str, geo: Geo):
        self.name: str = name
        self.geo: Geo = geo
        self.queries: int = 0

    def __key__(self):
        return self.name

    def by_rate(self, lat: float, lon: float, max_dist: float) -> List[str]:
        self.queries += 1
        ranked: List[Tuple[float, str]] = []
        for h in self.geo.nearby(lat, lon, max_dist):
            ranked.append((h.rate, h.hotel_id))
        out = []
        for rate, hid in sorted(ranked):
            out.append(hid)
        return out

    def by_distance(self, lat: float, lon: float) -> Optional[str]:
        self.queries += 1
        best: Optional[str] = None
        best_d = -1.0
        for h in self.geo.nearby(lat, lon, 1000.0):
            d = abs(h.lat - lat) + abs(h.lon - lon)
            if best is None or d < best_d:
                best = h.hotel_id
                best_d = d
        return best

    def cheapest_available(self, lat: float, lon: float, date: str, rooms: int) -> Optional[Hotel]:
        self.queries += 1
        choice: Optional[Hotel] = None
        price = 0.0
        for h in self.geo.nearby(lat, lon, 1000.0):
            if h.available(date) >= rooms and (choice is None or h.rate < price):
                choice = h
                price = h.rate
        return choice


@entity
class User:
    def __init__(self, username: str, budget: float):
        self.username: str = username
        self.budget: float = budget
        self.bookings: List[Tuple[str, str, int]] = []
        self.nights: int = 0

    def __key__(self):
        return self.username

    def reserve(self, hotel: Hotel, date: str, n: int) -> float:
        cost = hotel.rate * n
        if cost > self.budget:
            raise InsufficientFunds(f"{self.username} has {self.budget:.2f}, room costs {cost:.2f}")
        paid = hotel.book(date, n)
        self.budget -= paid
        self.bookings.append((hotel.hotel_id, date, n))
        self.nights += n
        return paid

    def reserve_trip(self, hotel: Hotel, dates: List[str], n: int) -> float:
        total = 0.0
        for d in dates:
            total += self.reserve(hotel, d, n)
        return total

    def reserve_cheapest(self, rec: Recommend, lat: float, lon: float, date: str, n: int) -> str:
        h = rec.cheapest_available(lat, lon, date, n)
        if h is None:
            raise NoAvailability(f"nothing free near ({lat}, {lon}) on {date}")
        self.reserve(h, date, n)
        return h.hotel_id

    def cancel(self, hotel: Hotel, date: str) -> float:
        hid = hotel.hotel_id
        idx = -1
        i = 0
        while i < len(self.bookings):
            b_hotel, b_date, b_n = self.bookings[i]
            if b_hotel == hid and b_date == date:
                idx = i
                break
            i += 1
        if idx < 0:
            raise UnknownReservation(f"{self.username} has no booking at {hid} on {date}")
        _, _, n = self.bookings.pop(idx)
        refund = hotel.cancel(date, n)
        self.budget += refund
        self.nights -= n
        return refund

    def itinerary(self) -> List[str]:
        out = []
        for hid, date, n in self.bookings:
            out.append(f"{date} {hid} x{n}")
        return sorted(out)
