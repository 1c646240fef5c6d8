"""The CPython reference oracle: run a workload directly in CPython, request
after request in file order, with stent's semantics (docs/semantics.md).

    python3 -m stent.oracle PROGRAM.py --workload W.jsonl --out R.jsonl [--state-out S.json]

Library use: `run_workload(program_path, requests) -> (results, state_dump)`.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import itertools
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any, Iterable, Iterator

from stent.errors import BadRequest
from stent.runtime import Runtime, valid_key
from stent.values import decode_json

# `stent` and `stateflow` live side by side; make both importable for the
# program even when the package is used from a source checkout.
_PKG_ROOT = str(Path(__file__).resolve().parent.parent)
_counter = itertools.count()


def load_program(path: str | Path) -> ModuleType:
    if _PKG_ROOT not in sys.path:
        sys.path.insert(0, _PKG_ROOT)
    name = f"stent_program_{next(_counter)}"
    spec = importlib.util.spec_from_file_location(name, str(path))
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load program {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and get_type_hints look it up
    with contextlib.redirect_stdout(sys.stderr):
        spec.loader.exec_module(module)
    return module


def _error(rid: Any, exc: BaseException) -> dict[str, Any]:
    return {"id": rid, "error": {"type": type(exc).__name__, "message": str(exc)}}


class Oracle:
    """Executes requests one at a time against one loaded program."""

    def __init__(self, program_path: str | Path) -> None:
        self.runtime = Runtime(load_program(program_path))

    def execute(self, request: str | dict, line_no: int | None = None) -> dict[str, Any]:
        """One request (a JSON line or an already parsed object) -> one result object."""
        where = f"line {line_no}: " if line_no is not None else ""
        if isinstance(request, str):
            try:
                request = json.loads(request)
            except ValueError as e:
                return _error(None, BadRequest(f"{where}invalid JSON: {e}"))
        if not isinstance(request, dict):
            return _error(None, BadRequest(f"{where}a request must be a JSON object"))
        rid = request.get("id")
        if type(rid) not in (str, int):
            return _error(None, BadRequest(f"{where}missing or invalid request id"))
        try:
            body = self._parse(request)
        except BadRequest as e:
            return _error(rid, e)
        with contextlib.redirect_stdout(sys.stderr):
            ok, value = self.runtime.transaction(body)
        return {"id": rid, "result": value} if ok else _error(rid, value)

    def _parse(self, req: dict) -> Any:
        """Validate a request's shape; returns the thunk that executes it."""
        rt = self.runtime
        kinds = [k for k in ("create", "call", "get") if k in req]
        if len(kinds) != 1:
            raise BadRequest("a request needs exactly one of 'create', 'call', 'get'")
        kind = kinds[0]
        type_name = req[kind]
        if not isinstance(type_name, str) or type_name not in rt.classes:
            raise BadRequest(f"unknown entity type {type_name!r}")
        if kind != "create":
            if not valid_key(req.get("key")):
                raise BadRequest("'key' must be a string or an integer")
            key = req["key"]
        if kind == "get":
            return lambda: rt.get(type_name, key)
        args = req.get("args", [])
        if not isinstance(args, list):
            raise BadRequest("'args' must be an array")
        try:
            args = decode_json(args, rt)
        except ValueError as e:
            raise BadRequest(str(e)) from None
        if kind == "create":
            return lambda: rt.create(type_name, args)
        method = req.get("method")
        if not isinstance(method, str):
            raise BadRequest("'method' must be a string")
        return lambda: rt.call(type_name, key, method, args)

    def state_dump(self) -> list[dict[str, Any]]:
        return self.runtime.state_dump()


def iter_results(oracle: Oracle, lines: Iterable[str | dict]) -> Iterator[dict[str, Any]]:
    for line_no, line in enumerate(lines, start=1):
        if isinstance(line, str) and not line.strip():
            continue  # blank lines are not requests
        yield oracle.execute(line, line_no)


def run_workload(
    program_path: str | Path, requests: Iterable[str | dict]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Run `requests` (JSON lines or parsed dicts) in order against a fresh
    program; returns (results, state dump)."""
    oracle = Oracle(program_path)
    results = list(iter_results(oracle, requests))
    return results, oracle.state_dump()


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python3 -m stent.oracle", description=__doc__.split("\n")[0])
    ap.add_argument("program")
    ap.add_argument("--workload", required=True, help="requests, JSON Lines")
    ap.add_argument("--out", required=True, help="results, JSON Lines")
    ap.add_argument("--state-out", help="final state dump, JSON")
    opts = ap.parse_args(argv)
    try:
        oracle = Oracle(opts.program)
    except Exception as e:  # the program itself failed to load
        print(f"stent.oracle: cannot load {opts.program}: {type(e).__name__}: {e}", file=sys.stderr)
        return 2
    with open(opts.workload, encoding="utf-8") as wl, open(opts.out, "w", encoding="utf-8") as out:
        for result in iter_results(oracle, wl):
            out.write(dumps(result) + "\n")
    if opts.state_out:
        with open(opts.state_out, "w", encoding="utf-8") as f:
            f.write(dumps(oracle.state_dump()) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
