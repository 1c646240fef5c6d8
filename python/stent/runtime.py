"""The oracle's in-process runtime: an entity registry, remote calls with
copy semantics, and per-request transactions with lazy snapshots.

`self` inside a method is always the real Python object, so local calls
(`self.m()`) keep Python's aliasing. Every other way of reaching an entity
goes through an `EntityRef`, whose attribute access lands in `remote_attr`.
"""

from __future__ import annotations

import inspect
import typing
from types import ModuleType
from typing import Any, Callable

from stent import is_entity
from stent.errors import BadRequest, exists, not_found
from stent.values import EntityRef, conform, copy_value, encode, replace_entities

Key = typing.Union[str, int]


class Transaction:
    """What one request touched: a snapshot of each entity's fields taken
    the first time the request reached it, and the entity it created."""

    def __init__(self) -> None:
        self.touched: dict[int, tuple[Any, dict[str, Any]]] = {}
        self.created: tuple[str, Key] | None = None


class Runtime:
    def __init__(self, module: ModuleType) -> None:
        self.classes: dict[str, type] = {
            name: cls
            for name, cls in vars(module).items()
            if is_entity(cls) and cls.__module__ == module.__name__
        }
        self._class_set = set(self.classes.values())
        self.entities: dict[str, dict[Key, Any]] = {name: {} for name in self.classes}
        self._keys: dict[int, tuple[str, Key]] = {}  # id(obj) -> (type, key)
        self._hints: dict[tuple[type, str], dict[str, Any]] = {}
        self.txn: Transaction | None = None

    # ------------------------------------------------------- registry

    def is_entity(self, obj: Any) -> bool:
        return type(obj) in self._class_set

    def is_entity_class(self, cls: Any) -> bool:
        return cls in self._class_set

    def make_ref(self, type_name: str, key: Key) -> EntityRef:
        return EntityRef(self, type_name, key)

    def make_ref_from_json(self, v: dict) -> EntityRef:
        type_name, key = v.get("$entity"), v.get("key")
        if set(v) != {"$entity", "key"} or type_name not in self.classes:
            raise BadRequest(f"bad entity reference {v!r}")
        if not valid_key(key):
            raise BadRequest(f"entity key must be a string or an integer, got {key!r}")
        return self.make_ref(type_name, key)

    def ref_to(self, obj: Any) -> EntityRef:
        ident = self._keys.get(id(obj))
        if ident is None:  # not registered yet (inside __init__)
            ident = (type(obj).__name__, entity_key(obj))
        return self.make_ref(*ident)

    def lookup(self, type_name: str, key: Key) -> Any:
        obj = self.entities[type_name].get(key)
        if obj is None:
            raise not_found(type_name, key)
        return obj

    # ------------------------------------------------------- remote access

    def touch(self, obj: Any) -> None:
        txn = self.txn
        if txn is not None and id(obj) not in txn.touched:
            snap = {k: copy_value(v, self, check=False) for k, v in vars(obj).items()}
            txn.touched[id(obj)] = (obj, snap)

    def remote_attr(self, ref: EntityRef, name: str) -> Any:
        obj = self.lookup(ref._type, ref._key)
        fields = vars(obj)
        if name in fields:
            self.touch(obj)
            return copy_value(fields[name], self)
        if callable(getattr(type(obj), name, None)):

            def remote_call(*args: Any, **kwargs: Any) -> Any:
                args = tuple(copy_value(a, self) for a in args)
                kwargs = {k: copy_value(a, self) for k, a in kwargs.items()}
                return copy_value(self.invoke(obj, name, args, kwargs), self)

            return remote_call
        raise AttributeError(f"'{ref._type}' object has no attribute '{name}'")

    def invoke(self, obj: Any, name: str, args: tuple, kwargs: dict | None = None) -> Any:
        self.touch(obj)
        result = getattr(obj, name)(*args, **(kwargs or {}))
        # A method may have stored `self` (a live object) in its state; later
        # calls through it must still be remote calls, so make it a reference.
        for field, value in list(vars(obj).items()):
            new = replace_entities(value, self)
            if new is not value:
                setattr(obj, field, new)
        return result

    # ------------------------------------------------------- requests

    def _typed_args(self, cls: type, name: str, func: Callable, args: list) -> list:
        """Arity and annotation checks for a client request's arguments."""
        params = list(inspect.signature(func).parameters.values())[1:]
        label = f"{cls.__name__}.{name}()"
        if len(args) != len(params):
            n, m = len(params), len(args)
            raise TypeError(
                f"{label} takes {n} argument{'s' * (n != 1)} but {m} {'was' if m == 1 else 'were'} given"
            )
        hints = self._hints.get((cls, name))
        if hints is None:
            try:
                hints = typing.get_type_hints(func)
            except Exception:  # unresolvable annotations: check nothing
                hints = {}
            self._hints[(cls, name)] = hints
        out = []
        for p, a in zip(params, args):
            try:
                out.append(conform(a, hints[p.name], self) if p.name in hints else a)
            except TypeError as e:
                raise TypeError(f"{label} argument '{p.name}': {e}") from None
        return out

    def create(self, type_name: str, args: list) -> Any:
        cls = self.classes[type_name]
        obj = cls(*self._typed_args(cls, "__init__", cls.__init__, args))
        key = entity_key(obj)
        if key in self.entities[type_name]:
            raise exists(type_name, key)
        self.entities[type_name][key] = obj
        self._keys[id(obj)] = (type_name, key)
        assert self.txn is not None
        self.txn.created = (type_name, key)
        for field, value in list(vars(obj).items()):
            setattr(obj, field, replace_entities(value, self))
        return self.make_ref(type_name, key)

    def call(self, type_name: str, key: Key, method: str, args: list) -> Any:
        obj = self.lookup(type_name, key)
        cls = type(obj)
        func = getattr(cls, method, None) if not method.startswith("__") else None
        if not inspect.isfunction(func):
            raise AttributeError(f"{type_name} has no method '{method}'")
        return self.invoke(obj, method, tuple(self._typed_args(cls, method, func, args)))

    def get(self, type_name: str, key: Key) -> Any:
        return dict(vars(self.lookup(type_name, key)))

    def transaction(self, body: Callable[[], Any]) -> tuple[bool, Any]:
        """Run one request. Returns (True, encoded result) on commit, or
        (False, exception) after rolling back everything it touched."""
        txn = self.txn = Transaction()
        try:
            result = encode(body(), self)
            # The int64 rule also covers state: check what this request touched.
            for obj, _ in txn.touched.values():
                encode(vars(obj), self)
            if txn.created is not None:
                encode(vars(self.entities[txn.created[0]][txn.created[1]]), self)
            return True, result
        except Exception as exc:
            self._rollback(txn)
            return False, exc
        finally:
            self.txn = None

    def _rollback(self, txn: Transaction) -> None:
        for obj, snap in txn.touched.values():
            fields = vars(obj)
            fields.clear()
            fields.update(snap)
        if txn.created is not None:
            type_name, key = txn.created
            obj = self.entities[type_name].pop(key)
            self._keys.pop(id(obj), None)

    def state_dump(self) -> list[dict[str, Any]]:
        out = []
        for type_name in sorted(self.entities):
            objs = self.entities[type_name]
            for key in sorted(objs, key=lambda k: (isinstance(k, str), k)):
                state = encode(vars(objs[key]), self)
                out.append({"entity": type_name, "key": key, "state": state})
        return out


def valid_key(key: Any) -> bool:
    return type(key) in (str, int)


def entity_key(obj: Any) -> Key:
    key = obj.__key__()
    if not valid_key(key):
        raise TypeError(
            f"{type(obj).__name__}.__key__() must return str or int, got {type(key).__name__}"
        )
    return key
