import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a source checkout without installing

from stent.oracle import run_workload  # noqa: E402

PROGRAMS = Path(__file__).resolve().parent / "programs"


@pytest.fixture
def run():
    """run(program, [request, ...]) -> (results by id, state dump)."""

    def _run(program, requests):
        results, state = run_workload(PROGRAMS / program, requests)
        return {r["id"]: r for r in results}, state

    return _run


def state_of(dump, entity, key):
    return next(e["state"] for e in dump if e["entity"] == entity and e["key"] == key)
