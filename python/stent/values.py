"""Value handling shared by the oracle: int64 checks, copies across entity
boundaries, JSON encoding of results/state and typed decoding of request
arguments.

Everything here is parameterised by a `Registry`-like object `rt` that knows
which objects are entities (`rt.is_entity(obj)`), turns one into a reference
(`rt.ref_to(obj)`) and builds references (`rt.make_ref(type, key)`).
"""

from __future__ import annotations

import copy
import math
import re
import types
import typing
from typing import Any

INT64_MIN = -(1 << 63)
INT64_MAX = (1 << 63) - 1
OVERFLOW_MESSAGE = "int64 overflow"


class EntityRef:
    """A reference to an entity: what fields, arguments and locals hold.

    Method calls through it are remote calls (copy-in/copy-out) and field
    reads return copies; both are delegated to the runtime. Two references
    are equal iff they name the same (type, key).
    """

    __slots__ = ("_rt", "_type", "_key")

    def __init__(self, rt: Any, type_name: str, key: str | int) -> None:
        object.__setattr__(self, "_rt", rt)
        object.__setattr__(self, "_type", type_name)
        object.__setattr__(self, "_key", key)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return self._rt.remote_attr(self, name)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(
            f"cannot assign {self._type}.{name} from another entity; call a method instead"
        )

    def __eq__(self, other: object) -> bool:
        if isinstance(other, EntityRef):
            return (self._type, self._key) == (other._type, other._key)
        if self._rt.is_entity(other):
            return self == self._rt.ref_to(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self._type, self._key))

    def __repr__(self) -> str:
        return f"{self._type}({self._key!r})"

    # References are immutable handles: copying one yields the same handle.
    def __copy__(self) -> EntityRef:
        return self

    def __deepcopy__(self, memo: dict) -> EntityRef:
        return self


def check_int(v: int) -> int:
    if not INT64_MIN <= v <= INT64_MAX:
        raise OverflowError(OVERFLOW_MESSAGE)
    return v


def copy_value(v: Any, rt: Any, check: bool = True) -> Any:
    """Deep copy as if `v` crossed a network: containers are copied (shared
    sub-objects become independent), references stay references, a live
    entity object becomes a reference. With `check`, ints must fit int64."""
    t = type(v)
    if t is int:
        return check_int(v) if check else v
    if v is None or t is bool or t is str or t is float or t is EntityRef:
        return v
    if t is list:
        return [copy_value(x, rt, check) for x in v]
    if t is dict:
        return {copy_value(k, rt, check): copy_value(x, rt, check) for k, x in v.items()}
    if t is tuple:
        return tuple(copy_value(x, rt, check) for x in v)
    if rt.is_entity(v):
        return rt.ref_to(v)
    return copy.deepcopy(v)


def replace_entities(v: Any, rt: Any) -> Any:
    """Replace live entity objects stored inside `v` by references, in place
    for lists/dicts (so Python aliasing inside the entity is preserved)."""
    t = type(v)
    if t is list:
        for i, x in enumerate(v):
            y = replace_entities(x, rt)
            if y is not x:
                v[i] = y
        return v
    if t is dict:
        for k, x in list(v.items()):
            y = replace_entities(x, rt)
            if y is not x:
                v[k] = y
        return v
    if t is tuple:
        items = tuple(replace_entities(x, rt) for x in v)
        return v if all(a is b for a, b in zip(items, v)) else items
    if rt.is_entity(v):
        return rt.ref_to(v)
    return v


# ---------------------------------------------------------------- encoding


def _encode_float(v: float) -> Any:
    if math.isfinite(v):
        return v  # json.dumps writes repr(v): 6.0 stays "6.0"
    if math.isnan(v):
        return {"$float": "NaN"}
    return {"$float": "Infinity" if v > 0 else "-Infinity"}


def _encode_key(k: Any) -> str:
    if isinstance(k, str):
        return k
    if isinstance(k, bool):
        return "true" if k else "false"
    if isinstance(k, int):
        return str(check_int(k))
    if isinstance(k, float):
        return repr(k)
    if k is None:
        return "null"
    raise TypeError(f"cannot encode dict key of type {type(k).__name__}")


def encode(v: Any, rt: Any) -> Any:
    """Python value -> JSON-ready value (see docs/semantics.md, "Values")."""
    t = type(v)
    if v is None or t is bool or t is str:
        return v
    if t is int:
        return check_int(v)
    if t is float:
        return _encode_float(v)
    if t is list or t is tuple:
        return [encode(x, rt) for x in v]
    if t is dict:
        return {_encode_key(k): encode(x, rt) for k, x in v.items()}
    if t is EntityRef:
        return {"$entity": v._type, "key": v._key}
    if rt.is_entity(v):
        return encode(rt.ref_to(v), rt)
    # Subclasses of the builtins (IntEnum, ...) encode like their base.
    for base in (bool, int, float, str, list, tuple, dict):
        if isinstance(v, base):
            return encode(base(v), rt)
    raise TypeError(f"cannot encode value of type {t.__name__}")


# ---------------------------------------------------------------- decoding

_INT_RE = re.compile(r"-?(0|[1-9][0-9]*)\Z")


def _json_type(v: Any) -> str:
    if isinstance(v, EntityRef):
        return v._type
    return {
        bool: "bool", int: "int", float: "float", str: "str", type(None): "None",
        list: "list", dict: "dict", tuple: "tuple",
    }.get(type(v), type(v).__name__)


def decode_json(v: Any, rt: Any) -> Any:
    """Raw JSON value -> Python value: tagged objects become references /
    special floats; everything else is kept as parsed."""
    if isinstance(v, list):
        return [decode_json(x, rt) for x in v]
    if isinstance(v, dict):
        if "$entity" in v:
            return rt.make_ref_from_json(v)
        if "$float" in v and len(v) == 1:
            name = v["$float"]
            if name not in ("NaN", "Infinity", "-Infinity"):
                raise ValueError(f"bad $float value {name!r}")
            return float(name.lower().replace("infinity", "inf"))
        return {k: decode_json(x, rt) for k, x in v.items()}
    if type(v) is int and not INT64_MIN <= v <= INT64_MAX:
        raise ValueError(f"integer {v} is outside the int64 range")
    return v


def _type_name(hint: Any) -> str:
    return getattr(hint, "__name__", None) or str(hint).replace("typing.", "")


class _Mismatch(Exception):
    pass


def conform(v: Any, hint: Any, rt: Any) -> Any:
    """Check a decoded argument against a parameter annotation, converting
    where JSON is less precise than Python (int -> float for float params,
    arrays -> tuples, string dict keys -> int keys). Raises TypeError."""
    try:
        return _conform(v, hint, rt)
    except _Mismatch:
        raise TypeError(f"expected {_type_name(hint)}, got {_json_type(v)}") from None


def _conform(v: Any, hint: Any, rt: Any) -> Any:
    if hint is None or hint is type(None):
        if v is None:
            return v
        raise _Mismatch
    if hint is Any or isinstance(hint, (str, typing.ForwardRef, typing.TypeVar)):
        return v
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin is typing.Union or (origin is not None and origin is getattr(types, "UnionType", ())):
        for arm in args:
            try:
                return _conform(v, arm, rt)
            except _Mismatch:
                pass
        raise _Mismatch
    if origin is None and isinstance(hint, type):
        if rt.is_entity_class(hint):
            if isinstance(v, EntityRef) and v._type == hint.__name__:
                return v
            raise _Mismatch
        if hint is bool or hint is str:
            if type(v) is hint:
                return v
            raise _Mismatch
        if hint is int:
            if type(v) is int:
                return v
            raise _Mismatch
        if hint is float:
            if type(v) in (int, float):
                return float(v)
            raise _Mismatch
        if hint in (list, dict, tuple):
            origin = hint
        else:
            return v  # a type the oracle does not model: leave it to Python
    if origin is list:
        if type(v) is not list:
            raise _Mismatch
        return [_conform(x, args[0], rt) for x in v] if args else v
    if origin is tuple:
        if type(v) not in (list, tuple):
            raise _Mismatch
        if not args:
            return tuple(v)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_conform(x, args[0], rt) for x in v)
        if len(args) != len(v):
            raise _Mismatch
        return tuple(_conform(x, a, rt) for x, a in zip(v, args))
    if origin is dict:
        if type(v) is not dict:
            raise _Mismatch
        if not args:
            return v
        kt, vt = args
        out = {}
        for k, x in v.items():
            if kt is int:
                if not (isinstance(k, str) and _INT_RE.match(k)):
                    raise _Mismatch
                k = int(k)
            out[k] = _conform(x, vt, rt)
        return out
    return v
