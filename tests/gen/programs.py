#!/usr/bin/env python3
"""Random well-typed stent programs plus matching workloads, for differential fuzzing.

    python3 tests/gen/programs.py --seed 7 > P.py --workload-out W.jsonl
    python3 tests/gen/programs.py --seed 7 --out P.py --workload-out W.jsonl --requests 200

Every program stays inside the v1 language (contract section 1):
  * 2-4 entity types T0..Tn, each keyed by `name: str`, with int, str, list[int]
    and dict[str, int] fields, and 1-3 reference fields to entity types
    (possibly its own type, possibly itself) given as create arguments;
  * methods `(self, depth: int, x: int[, other: Tk]) -> int` whose bodies mix
    if/elif/else, for over range/lists/dict items with break/continue/else,
    bounded while loops, f-strings, local helper calls (self.helper), remote
    calls on reference fields and reference parameters (in statements,
    conditions, short-circuit `and`/`or` and conditional expressions), and remote
    field reads;
  * the remote call graph has cycles (including calls back into entities already
    in the chain); every remote call is guarded by `depth > 0` and passes
    `depth - 1`, so requests terminate;
  * every int stays far inside int64 (values are reduced modulo a prime), and the
    only exceptions raised are the program's own user exceptions (ErrA, ErrB, ...),
    raised conditionally. Workload-level errors (missing entities, duplicate
    creates) come from the workload.

Output is a pure function of the arguments.
"""
import argparse
import json
import random
import sys

MOD = 100003


class Gen:
    def __init__(self, seed):
        self.rng = random.Random(f"stent-programs:{seed}")
        r = self.rng
        self.n_types = r.randint(2, 4)
        self.types = [f"T{i}" for i in range(self.n_types)]
        self.excs = ["ErrA", "ErrB", "ErrC"][: r.randint(1, 3)]
        self.info = {}
        for t in self.types:
            n_int = r.randint(1, 3)
            refs = [r.choice(self.types) for _ in range(r.randint(1, 3))]
            n_methods = r.randint(2, 4)
            methods = []
            for m in range(n_methods):
                other = r.choice(self.types) if r.random() < 0.35 else None
                methods.append((f"m{m}", other))
            self.info[t] = {
                "ints": [f"f{i}" for i in range(n_int)],
                "refs": refs,  # field r{i} has type refs[i]
                "methods": methods,
                "has_str": r.random() < 0.7,
                "has_list": r.random() < 0.8,
                "has_dict": r.random() < 0.7,
            }

    # ---------------------------------------------------------------- expressions
    def atom(self, t, scope):
        r = self.rng
        info = self.info[t]
        choices = ["acc", "x", "const", "field"]
        if info["has_list"]:
            choices.append("len")
        if scope.get("loopvar"):
            choices += ["loopvar", "loopvar"]
        if info["has_dict"]:
            choices.append("dictget")
        c = r.choice(choices)
        if c == "acc":
            return "acc"
        if c == "x":
            return "x"
        if c == "const":
            return str(r.randint(0, 50))
        if c == "field":
            return f"self.{r.choice(info['ints'])}"
        if c == "len":
            return "len(self.items)"
        if c == "loopvar":
            return scope["loopvar"]
        return f'self.counts.get("k{r.randint(0, 3)}", {r.randint(0, 3)})'

    def iexpr(self, t, scope, depth=0):
        r = self.rng
        if depth >= 2 or r.random() < 0.35:
            return self.atom(t, scope)
        a = self.iexpr(t, scope, depth + 1)
        b = self.iexpr(t, scope, depth + 1)
        k = r.random()
        if k < 0.3:
            return f"({a} + {b})"
        if k < 0.45:
            return f"({a} - {b})"
        if k < 0.55:
            return f"({a} % 97) * ({b} % 97)"
        if k < 0.65:
            return f"({a} // ({b} % 7 + 1))"
        if k < 0.72:
            return f"({a} % ({b} % 11 + 1))"
        if k < 0.80:
            return f"max({a}, {b})"
        if k < 0.86:
            return f"min({a}, {b})"
        if k < 0.92:
            return f"abs({a} - {b})"
        return f"self.helper({a} % {MOD})"

    def cond(self, t, scope):
        r = self.rng
        a = self.iexpr(t, scope, 1)
        k = r.random()
        if k < 0.4:
            return f"{a} % {r.randint(2, 5)} == {r.randint(0, 1)}"
        if k < 0.6:
            return f"{a} > {r.randint(0, 200)}"
        if k < 0.75:
            b = self.iexpr(t, scope, 1)
            return f"{r.randint(0, 20)} <= {a} < {b} + {r.randint(10, 300)}"
        if k < 0.85 and self.info[t]["has_list"]:
            return f"{a} % 10 in self.items"
        if k < 0.92 and self.info[t]["has_str"]:
            return f'self.tag.startswith("{r.choice("abc")}")'
        return f"not ({a} % 3 == 0)"

    # ---------------------------------------------------------------- remote calls
    def ref_targets(self, t, scope):
        """(expression, type) pairs usable as remote call targets."""
        out = []
        for i, rt in enumerate(self.info[t]["refs"]):
            out.append((f"self.r{i}", rt))
        if scope.get("other"):
            out.append(("other", scope["other"]))
        return out

    def ref_of_type(self, t, scope, want):
        c = [e for e, ty in self.ref_targets(t, scope) if ty == want]
        return self.rng.choice(c) if c else None

    def remote_call(self, t, scope):
        """A remote call expression (caller must guard with depth > 0), or None."""
        r = self.rng
        targets = self.ref_targets(t, scope)
        r.shuffle(targets)
        for expr, ty in targets:
            methods = list(self.info[ty]["methods"])
            r.shuffle(methods)
            for m, other in methods:
                arg = self.iexpr(t, scope, 1)
                if other is None:
                    return f"{expr}.{m}(depth - 1, {arg} % {MOD})"
                o = self.ref_of_type(t, scope, other)
                if o is not None:
                    return f"{expr}.{m}(depth - 1, {arg} % {MOD}, {o})"
        return None

    def remote_read(self, t, scope):
        targets = self.ref_targets(t, scope)
        expr, ty = self.rng.choice(targets)
        return f"{expr}.{self.rng.choice(self.info[ty]['ints'])}"

    # ---------------------------------------------------------------- statements
    def stmts(self, t, scope, ind, budget):
        out = []
        for _ in range(self.rng.randint(1, 3)):
            if budget[0] <= 0:
                break
            out += self.stmt(t, scope, ind, budget)
        if not out:
            out = [ind + f"acc = (acc + {self.atom(t, scope)}) % {MOD}"]
        return out

    def stmt(self, t, scope, ind, budget):
        r = self.rng
        budget[0] -= 1
        info = self.info[t]
        nest = scope.get("nest", 0)
        k = r.random()
        I = ind + "    "
        if k < 0.16:
            return [ind + f"acc = ({self.iexpr(t, scope)}) % {MOD}"]
        if k < 0.26:
            f = r.choice(info["ints"])
            return [ind + f"self.{f} = (self.{f} + {self.iexpr(t, scope)}) % {MOD}"]
        if k < 0.42 and scope["calls"] < 2 and not scope.get("inwhile"):
            out = self.call_stmt(t, scope, ind)
            if out:
                return out
        if k < 0.46:
            return [ind + f"acc = (acc + {self.remote_read(t, scope)}) % {MOD}"]
        return self.plain_stmt(t, scope, ind, budget, k)

    def call_stmt(self, t, scope, ind):
        """A statement with one guarded remote call in one of several positions."""
        r = self.rng
        I = ind + "    "
        if scope["calls"] >= 2:
            return []
        if True:
            call = self.remote_call(t, scope)
            if call is not None:
                scope["calls"] += 1
                form = r.random()
                if form < 0.5:
                    return [ind + "if depth > 0:", I + f"acc = (acc + {call}) % {MOD}"]
                if form < 0.7:
                    return [ind + f"acc = (acc + ({call} if depth > 0 else {r.randint(0, 9)})) % {MOD}"]
                if form < 0.85:
                    # short circuit: the call must not happen when depth == 0 or the left side is falsy
                    return [ind + f"if depth > 0 and {self.cond(t, scope)} and {call} % 2 == 0:",
                            I + f"acc = (acc + 1) % {MOD}"]
                return [ind + f"if depth <= 0 or {call} > {r.randint(0, MOD)}:",
                        I + f"acc = (acc * 3 + 1) % {MOD}",
                        ind + "else:",
                        I + f"acc = (acc + 2) % {MOD}"]
        return []

    def plain_stmt(self, t, scope, ind, budget, k):
        r = self.rng
        info = self.info[t]
        nest = scope.get("nest", 0)
        I = ind + "    "
        if k < 0.54 and info["has_list"]:
            return [ind + f"self.items.append({self.iexpr(t, scope)} % 100)",
                    ind + "if len(self.items) > 6:",
                    I + "self.items.pop(0)"]
        if k < 0.60 and info["has_dict"] and not scope.get("in_dict_loop"):
            key = f'"k{r.randint(0, 3)}"'
            return [ind + f"self.counts[{key}] = (self.counts.get({key}, 0) + {self.iexpr(t, scope, 1)}) % {MOD}"]
        if k < 0.65 and info["has_str"]:
            return [ind + f'self.tag = (f"{{acc % 10}}{r.choice("abc")}" + self.tag)[:8]']
        if k < 0.70:
            exc = r.choice(self.excs)
            mod = r.choice([11, 13, 17, 19, 23, 29, 31])
            return [ind + f"if (acc + x) % {mod} == {r.randint(0, mod - 1)}:",
                    I + f'raise {exc}(f"{t}.{{self.name}} rejected {{acc}} at depth {{depth}}")']
        if nest >= 2:
            return [ind + f"acc = (acc + {self.iexpr(t, scope)}) % {MOD}"]
        sub = dict(scope, nest=nest + 1)
        if k < 0.80:
            out = [ind + f"if {self.cond(t, scope)}:"] + self.stmts(t, sub, I, budget)
            if r.random() < 0.4:
                out += [ind + f"elif {self.cond(t, scope)}:"] + self.stmts(t, sub, I, budget)
            if r.random() < 0.6:
                out += [ind + "else:"] + self.stmts(t, sub, I, budget)
            scope["calls"] = sub["calls"]
            return out
        if k < 0.88:
            var = f"i{nest}"
            kind = r.random()
            if kind < 0.5 or not (info["has_list"] or info["has_dict"]):
                n = r.randint(1, 3) if scope["calls"] < 2 else r.randint(1, 6)
                head = ind + f"for {var} in range({n}):" if r.random() < 0.5 else ind + f"for {var} in range({r.randint(0, 2)}, {r.randint(3, 6)}):"
                lv = var
            elif info["has_list"] and (kind < 0.8 or not info["has_dict"]):
                head = ind + f"for {var} in self.items[:]:"
                lv = var
            else:
                head = ind + f"for k{nest}, {var} in self.counts.items():"
                lv = var
                # CPython forbids resizing a dict while iterating over it: no dict
                # writes in the body, and no remote calls (they could re-enter).
                sub = dict(sub, in_dict_loop=True, calls=2)
            sub = dict(sub, loopvar=lv)
            # remote calls inside loops are allowed but counted double (fan-out)
            sub["calls"] = max(sub["calls"], scope["calls"] + 1)
            body = []
            if r.random() < 0.3:
                body += [I + f"if {lv} % {r.randint(2, 4)} == 0:", I + "    continue"]
            body += self.stmts(t, sub, I, budget)
            if r.random() < 0.3:
                body += [I + f"if acc % {r.randint(3, 7)} == 1:", I + "    break"]
            out = [head] + body
            if r.random() < 0.3:
                out += [ind + "else:", I + f"acc = (acc + {r.randint(1, 9)}) % {MOD}"]
            scope["calls"] = max(scope["calls"], sub["calls"])
            return out
        var = f"w{nest}"
        sub = dict(sub, loopvar=var, inwhile=True)
        out = [ind + f"{var} = 0", ind + f"while {var} < x % {r.randint(2, 5)} + 1:", I + f"{var} += 1"]
        out += self.stmts(t, sub, I, budget)
        if r.random() < 0.3:
            out += [I + f"if acc % {r.randint(3, 7)} == 2:", I + "    break"]
        if r.random() < 0.3:
            out += [ind + "else:", I + f"acc = (acc + {var}) % {MOD}"]
        return out

    # ---------------------------------------------------------------- program
    def program(self):
        r = self.rng
        L = ["from stent import entity", "", ""]
        for e in self.excs:
            L += [f"class {e}(Exception):", "    pass", "", ""]
        for t in self.types:
            info = self.info[t]
            params = ["self", "name: str", "seed: int"] + [f'r{i}: "{rt}"' for i, rt in enumerate(info["refs"])]
            L += ["@entity", f"class {t}:", f"    def __init__({', '.join(params)}):", "        self.name: str = name"]
            for j, f in enumerate(info["ints"]):
                L.append(f"        self.{f}: int = (seed * {j + 2}) % {MOD}")
            for i, rt in enumerate(info["refs"]):
                L.append(f'        self.r{i}: "{rt}" = r{i}')
            if info["has_str"]:
                L.append('        self.tag: str = name[:3]')
            if info["has_list"]:
                L.append("        self.items: list[int] = [seed % 10]")
            if info["has_dict"]:
                L.append('        self.counts: dict[str, int] = {"k0": seed % 5}')
            L += ["", "    def __key__(self):", "        return self.name", ""]
            L += ["    def helper(self, a: int) -> int:",
                  f"        return (a * {r.randint(2, 9)} + self.{info['ints'][0]}) % 1009", ""]
            for m, other in info["methods"]:
                sig = "self, depth: int, x: int" + (f', other: "{other}"' if other else "")
                L.append(f"    def {m}({sig}) -> int:")
                scope = {"calls": 0, "other": other, "nest": 0}
                L.append(f"        acc = x % {MOD}")
                if r.random() < 0.5:
                    L += self.call_stmt(t, scope, "        ")
                L += self.stmts(t, scope, "        ", [r.randint(4, 9)])
                if r.random() < 0.6:
                    L += self.call_stmt(t, scope, "        ")
                # make sure most methods write some state
                f = r.choice(info["ints"])
                L.append(f"        self.{f} = (self.{f} + acc) % {MOD}")
                L.append(f"        return acc")
                L.append("")
            summary = [f"self.{f}" for f in info["ints"]]
            L += ["    def summary(self) -> str:",
                  "        return f\"" + " ".join(f"{{{s}}}" for s in summary) + (" {self.tag}" if info["has_str"] else "")
                  + (" {sorted(self.items)}" if info["has_list"] else "") + "\"", "", ""]
        return "\n".join(L).rstrip() + "\n"

    # ---------------------------------------------------------------- workload
    def workload(self, n_requests):
        r = self.rng
        keys = {t: [f"{t.lower()}_{i}" for i in range(r.randint(2, 3))] for t in self.types}
        lines = []

        def add(req):
            if len(lines) < n_requests:
                lines.append(json.dumps(dict(id=f"r{len(lines) + 1}", **req)))

        def ref(ty):
            return {"$entity": ty, "key": r.choice(keys[ty])}

        for t in self.types:
            for k in keys[t]:
                add({"create": t, "args": [k, r.randint(0, 1000)] + [ref(rt) for rt in self.info[t]["refs"]]})
        while len(lines) < n_requests:
            t = r.choice(self.types)
            k = r.choice(keys[t])
            x = r.random()
            if x < 0.03:
                k = "missing"
            if x < 0.05 and x >= 0.03:
                add({"create": t, "args": [k, 1] + [ref(rt) for rt in self.info[t]["refs"]]})
            elif x < 0.12:
                add({"get": t, "key": k})
            elif x < 0.17:
                add({"call": t, "key": k, "method": "summary", "args": []})
            else:
                m, other = r.choice(self.info[t]["methods"])
                args = [r.choice([0, 1, 1, 2, 2, 3]), r.randint(0, 999)]
                if other:
                    args.append(ref(other))
                add({"call": t, "key": k, "method": m, "args": args})
        return "\n".join(lines) + "\n"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--out", help="write the program here (default: stdout)")
    p.add_argument("--workload-out", help="write a matching workload here")
    p.add_argument("--requests", type=int, default=100)
    a = p.parse_args(argv)
    g = Gen(a.seed)
    prog = g.program()
    wl = g.workload(a.requests)
    if a.out:
        with open(a.out, "w") as f:
            f.write(prog)
    else:
        sys.stdout.write(prog)
    if a.workload_out:
        with open(a.workload_out, "w") as f:
            f.write(wl)


if __name__ == "__main__":
    main()
