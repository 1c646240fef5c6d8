import json
import subprocess
import sys
from pathlib import Path

from conftest import PROGRAMS, ROOT


def test_entity_decorator_returns_class_unchanged():
    import stateflow
    from stent import entity, is_entity

    class A:
        pass

    assert entity(A) is A and is_entity(A)
    assert stateflow.stateflow is entity

    class B(A):
        pass

    assert not is_entity(B)  # the marker is not inherited


def test_py_typed_markers():
    assert (ROOT / "stent" / "py.typed").exists()
    assert (ROOT / "stateflow" / "py.typed").exists()


def test_cli_writes_results_and_state(tmp_path: Path):
    workload = tmp_path / "w.jsonl"
    workload.write_text(
        '{"id": "r1", "create": "Item", "args": ["apple", 5]}\n'
        '{"id": "r2", "call": "Item", "key": "apple", "method": "half", "args": []}\n'
        '{"id": "r3", "call": "Item", "key": "apple", "method": "price_ratio", "args": [0]}\n'
    )
    out, state = tmp_path / "r.jsonl", tmp_path / "s.json"
    proc = subprocess.run(
        [sys.executable, "-m", "stent.oracle", str(PROGRAMS / "shop.py"),
         "--workload", str(workload), "--out", str(out), "--state-out", str(state)],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert proc.returncode == 0, proc.stderr
    lines = out.read_text().splitlines()
    assert lines == [
        '{"id": "r1", "result": {"$entity": "Item", "key": "apple"}}',
        '{"id": "r2", "result": 2.5}',
        '{"id": "r3", "error": {"type": "ZeroDivisionError", "message": "division by zero"}}',
    ]
    assert json.loads(state.read_text()) == [{"entity": "Item", "key": "apple", "state": {
        "item_name": "apple", "stock": 0, "price": 5, "tags": []}}]
