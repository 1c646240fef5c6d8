"""Exceptions raised by the stent runtime itself (not by user programs)."""


class EntityNotFound(Exception):
    """A request or a remote call targets an entity that does not exist."""


class EntityExists(Exception):
    """A create request uses a key that is already taken."""


class BadRequest(Exception):
    """A workload line that is not a well-formed request."""


def format_key(key: object) -> str:
    # Engines must reproduce this byte for byte: str keys in single quotes,
    # verbatim (no escaping); int keys in decimal.
    return f"'{key}'" if isinstance(key, str) else str(key)


def not_found(type_name: str, key: object) -> EntityNotFound:
    return EntityNotFound(f"{type_name} {format_key(key)} does not exist")


def exists(type_name: str, key: object) -> EntityExists:
    return EntityExists(f"{type_name} {format_key(key)} already exists")
