#!/usr/bin/env python3
"""Deterministic large randomized workloads for the examples.

    python3 tests/gen/workloads.py --example ycsb --seed 1 --requests 2000 > W.jsonl

Examples and their programs:
    shop   examples/shop/shop.py
    bank   examples/bank/bank.py
    ycsb   examples/ycsb/ycsb.py
    hotel  examples/hotel/hotel.py

The same (example, seed, requests, options) always gives byte-identical output
(only Python's `random.Random(seed)` is used; no hash ordering, no clock).
Every workload mixes in errors: calls on missing entities, references to
missing entities, duplicate creates, unknown methods, wrong arity, and the
programs' own user exceptions (insufficient funds, out of stock, ...).
The output always has exactly --requests lines, ids "r1".."rN".
"""
import argparse
import json
import sys


def ent(t, k):
    return {"$entity": t, "key": k}


class Out:
    def __init__(self, limit):
        self.limit = limit
        self.lines = []

    def full(self):
        return len(self.lines) >= self.limit

    def _add(self, req):
        if not self.full():
            req = dict(id=f"r{len(self.lines) + 1}", **req)
            self.lines.append(json.dumps(req, ensure_ascii=False))

    def create(self, t, *args):
        self._add({"create": t, "args": list(args)})

    def call(self, t, key, method, *args):
        self._add({"call": t, "key": key, "method": method, "args": list(args)})

    def get(self, t, key):
        self._add({"get": t, "key": key})


def zipf_picker(rng, n, s):
    """Deterministic Zipf(s) sampler over range(n) (rank 0 is the hottest)."""
    weights = [1.0 / (i + 1) ** s for i in range(n)]
    total = sum(weights)
    cdf = []
    acc = 0.0
    for w in weights:
        acc += w / total
        cdf.append(acc)

    def pick():
        u = rng.random()
        lo, hi = 0, n - 1
        while lo < hi:
            mid = (lo + hi) // 2
            if cdf[mid] < u:
                lo = mid + 1
            else:
                hi = mid
        return lo

    return pick


def common_errors(rng, out, t, keys, methods_with_args):
    """One random malformed / missing-entity request for entity type t."""
    x = rng.random()
    if x < 0.35:
        m, args = rng.choice(methods_with_args)
        out.call(t, f"missing-{rng.randint(0, 999)}", m, *args)
    elif x < 0.55:
        out.create(t, *rng.choice(keys)[1])
    elif x < 0.7:
        out.call(t, rng.choice(keys)[0], "no_such_method", 1)
    elif x < 0.85:
        m, args = rng.choice(methods_with_args)
        out.call(t, rng.choice(keys)[0], m, *(args + [0]))
    else:
        out.get(t, f"missing-{rng.randint(0, 999)}")


def gen_ycsb(rng, out, a):
    n = a.entities or 100
    keys = [f"user{i:05d}" for i in range(n)]
    for k in keys:
        out.create("Account", k, 1000)
    hot = zipf_picker(rng, n, a.zipf)
    creates = [(k, [k, 1]) for k in keys]
    while not out.full():
        x = rng.random()
        src = keys[hot()]
        if x < a.error_rate:
            y = rng.random()
            if y < 0.4:
                out.call("Account", src, "transfer", ent("Account", f"ghost{rng.randint(0, 99)}"), rng.randint(1, 50))
            elif y < 0.5:
                out.call("Account", src, "transfer", ent("Account", keys[hot()]), -rng.randint(1, 10))
            else:
                common_errors(rng, out, "Account", creates, [("read", []), ("transfer", [ent("Account", keys[0]), 1])])
        elif x < 0.5:
            out.call("Account", src, "read")
        elif x < 0.55:
            out.get("Account", src)
        elif x < 0.57 and a.allow_updates:
            out.call("Account", src, "update", rng.randint(0, 2000))
        else:
            dst = keys[hot()]
            amount = rng.choice([1, 5, 10, 50, 100, 500, 2000])
            out.call("Account", src, "transfer", ent("Account", dst), amount)


def gen_shop(rng, out, a):
    n_items = max(5, (a.entities or 150) // 3)
    n_users = max(5, (a.entities or 150) - n_items)
    items = [f"item{i:04d}" for i in range(n_items)]
    users = [f"user{i:04d}" for i in range(n_users)]
    for it in items:
        out.create("Item", it, rng.randint(1, 50))
    for it in items:
        out.call("Item", it, "restock", rng.randint(1, 40))
    for u in users:
        out.create("User", u, rng.randint(50, 1000))
    hot_item = zipf_picker(rng, n_items, a.zipf)
    item_creates = [(it, [it, 1]) for it in items]
    user_creates = [(u, [u, 1]) for u in users]
    while not out.full():
        x = rng.random()
        u = rng.choice(users)
        it = items[hot_item()]
        if x < a.error_rate:
            y = rng.random()
            if y < 0.3:
                out.call("User", u, "buy_item", rng.randint(1, 3), ent("Item", f"ghost{rng.randint(0, 99)}"))
            elif y < 0.4:
                out.call("User", u, "buy_item", 0, ent("Item", it))
            elif y < 0.7:
                common_errors(rng, out, "User", user_creates, [("top_up", [10]), ("buy_item", [1, ent("Item", it)])])
            else:
                common_errors(rng, out, "Item", item_creates, [("restock", [5]), ("take", [1])])
        elif x < 0.45:
            out.call("User", u, "buy_item", rng.randint(1, 5), ent("Item", it))
        elif x < 0.52:
            many = [ent("Item", items[hot_item()]) for _ in range(rng.randint(2, 4))]
            out.call("User", u, "buy_many", many, rng.randint(1, 3))
        elif x < 0.60:
            out.call("User", u, "return_item", ent("Item", it), rng.randint(1, 3))
        elif x < 0.70:
            out.call("Item", it, "restock", rng.randint(-2, 30))
        elif x < 0.78:
            out.call("User", u, "top_up", rng.randint(-5, 400))
        elif x < 0.81:
            out.call("Item", it, "set_price", rng.randint(1, 60))
        elif x < 0.88:
            out.call("User", u, "basket_value")
        elif x < 0.93:
            out.call("User", u, "receipt")
        elif x < 0.97:
            out.get("User", u)
        else:
            out.get("Item", it)


def gen_bank(rng, out, a):
    n = a.entities or 200
    branches = [("central", 5000), ("harbour", 1000), ("airport", 300), ("campus", 100)]
    for b, lim in branches:
        out.create("Branch", b, lim)
    accs = [f"AC{i:06d}" for i in range(n)]
    owners = ["ann", "ben", "cat", "dan", "eve", "fay", "gus", "hal", "ivy", "jon", "kim", "lea"]
    for i, k in enumerate(accs):
        out.create("Account", k, f"{rng.choice(owners)}{i}", rng.choice([0, 10, 100, 500, 1000, 5000]))
    for k in accs:
        out.call("Branch", rng.choice(branches)[0], "open", ent("Account", k))
    hot = zipf_picker(rng, n, a.zipf)
    acc_creates = [(k, [k, "x", 1]) for k in accs]
    while not out.full():
        x = rng.random()
        s = accs[hot()]
        d = accs[hot()]
        br = rng.choice(branches)[0]
        if x < a.error_rate:
            y = rng.random()
            if y < 0.3:
                out.call("Account", s, "transfer", ent("Account", f"AC9{rng.randint(0, 99999):05d}x"), rng.randint(1, 100))
            elif y < 0.45:
                out.call("Branch", br, "open", ent("Account", s))
            else:
                common_errors(rng, out, "Account", acc_creates, [("deposit", [5]), ("withdraw", [5])])
        elif x < 0.15:
            out.call("Account", s, "deposit", rng.choice([-10, 0, 5, 50, 100, 1000]))
        elif x < 0.27:
            out.call("Account", s, "withdraw", rng.choice([5, 50, 100, 1000, 10000]))
        elif x < 0.55:
            out.call("Account", s, "transfer", ent("Account", d), rng.choice([1, 10, 100, 1000, 5000]))
        elif x < 0.68:
            out.call("Branch", br, "transfer_between", ent("Account", s), ent("Account", d), rng.choice([10, 100, 500, 2000]))
        elif x < 0.71:
            out.call("Account", s, rng.choice(["freeze", "unfreeze", "unfreeze"]))
        elif x < 0.73:
            out.call("Branch", br, rng.choice(["total_deposits", "richest", "report"]))
        elif x < 0.735:
            out.call("Branch", br, "pay_interest", rng.choice([1, 2, 5]))
        elif x < 0.85:
            out.call("Account", s, "get_balance")
        elif x < 0.93:
            out.call("Account", s, "statement")
        else:
            out.get("Account", s)


def gen_hotel(rng, out, a):
    n_hotels = max(4, (a.entities or 160) // 4)
    n_users = max(4, (a.entities or 160) - n_hotels)
    regions = [("sf", 37.7, -122.5), ("nyc", 40.6, -74.1), ("ams", 52.3, 4.8)]
    for r, _, _ in regions:
        out.create("Geo", r)
        out.create("Recommend", f"{r}-rec", ent("Geo", r))
    hotels = []
    for i in range(n_hotels):
        r, lat, lon = regions[i % len(regions)]
        hid = f"{r}-h{i:03d}"
        hotels.append((hid, r, lat, lon))
        out.create("Hotel", hid, f"Hotel {i}", rng.randint(1, 12), float(rng.choice([59, 79.5, 99, 120, 149.99, 210, 350])),
                   round(lat + rng.randint(0, 40) / 100, 2), round(lon + rng.randint(0, 40) / 100, 2))
        out.call("Geo", r, "add_hotel", ent("Hotel", hid))
    users = [f"guest{i:04d}" for i in range(n_users)]
    for u in users:
        out.create("User", u, float(rng.choice([200, 500, 1500, 5000, 20000])))
    dates = [f"2025-07-{d:02d}" for d in range(1, 15)]
    hot = zipf_picker(rng, n_hotels, a.zipf)
    user_creates = [(u, [u, 1.0]) for u in users]
    while not out.full():
        x = rng.random()
        u = rng.choice(users)
        hid, r, lat, lon = hotels[hot()]
        d = rng.choice(dates)
        qlat = round(lat + rng.randint(0, 40) / 100, 2)
        qlon = round(lon + rng.randint(0, 40) / 100, 2)
        if x < a.error_rate:
            y = rng.random()
            if y < 0.3:
                out.call("User", u, "reserve", ent("Hotel", f"closed-{rng.randint(0, 99)}"), d, 1)
            elif y < 0.45:
                out.call("User", u, "reserve", ent("Hotel", hid), d, 0)
            else:
                common_errors(rng, out, "User", user_creates, [("itinerary", []), ("reserve", [ent("Hotel", hid), d, 1])])
        elif x < 0.35:
            out.call("User", u, "reserve", ent("Hotel", hid), d, rng.randint(1, 3))
        elif x < 0.42:
            out.call("User", u, "reserve_trip", ent("Hotel", hid), rng.sample(dates, rng.randint(2, 4)), 1)
        elif x < 0.50:
            out.call("User", u, "reserve_cheapest", ent("Recommend", f"{r}-rec"), qlat, qlon, d, 1)
        elif x < 0.58:
            out.call("User", u, "cancel", ent("Hotel", hid), d)
        elif x < 0.68:
            out.call("Geo", r, "search", qlat, qlon, rng.choice([0.05, 0.1, 0.2, 0.5]), d, rng.randint(1, 2))
        elif x < 0.74:
            out.call("Recommend", f"{r}-rec", "by_rate", qlat, qlon, rng.choice([0.1, 0.3]))
        elif x < 0.79:
            out.call("Recommend", f"{r}-rec", "by_distance", qlat, qlon)
        elif x < 0.86:
            out.call("Hotel", hid, "occupancy", d)
        elif x < 0.88:
            out.call("Hotel", hid, "set_rate", float(rng.choice([49, 89.9, 130, 199.5])))
        elif x < 0.94:
            out.call("User", u, "itinerary")
        elif x < 0.97:
            out.get("Hotel", hid)
        else:
            out.get("User", u)


GENERATORS = {"ycsb": gen_ycsb, "shop": gen_shop, "bank": gen_bank, "hotel": gen_hotel}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--example", required=True, choices=sorted(GENERATORS))
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--requests", type=int, default=2000)
    p.add_argument("--entities", type=int, default=0, help="number of entities (0: the example's default)")
    p.add_argument("--zipf", type=float, default=0.9, help="Zipf skew of key popularity (0: uniform)")
    p.add_argument("--error-rate", type=float, default=0.05, help="share of deliberately bad requests")
    p.add_argument("--allow-updates", action="store_true", help="ycsb: also issue update(v) (breaks the closed-economy sum)")
    a = p.parse_args(argv)
    import random
    rng = random.Random(f"{a.example}:{a.seed}")
    out = Out(a.requests)
    GENERATORS[a.example](rng, out, a)
    sys.stdout.write("\n".join(out.lines) + "\n")


if __name__ == "__main__":
    main()
