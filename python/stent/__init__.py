"""stent: compile Python "stateful entity" classes to streaming dataflows.

This package holds what user programs import (`entity`) and the CPython
reference oracle (`python3 -m stent.oracle`), which defines the semantics
every engine must reproduce (see docs/semantics.md).
"""

from typing import TypeVar

from stent.errors import EntityExists, EntityNotFound

__all__ = ["entity", "is_entity", "EntityExists", "EntityNotFound"]
__version__ = "0.1.0"

_C = TypeVar("_C", bound=type)


def entity(cls: _C) -> _C:
    """Mark `cls` as a stent entity; the class itself is returned unchanged,
    so type checkers keep seeing an ordinary class."""
    cls.__stent_entity__ = True  # type: ignore[attr-defined]
    return cls


def is_entity(obj: object) -> bool:
    """True for classes marked directly with @entity (markers are not inherited)."""
    return isinstance(obj, type) and obj.__dict__.get("__stent_entity__") is True
