"""Semantics of the CPython reference oracle (docs/semantics.md)."""

import json

from conftest import state_of

ITEM = {"$entity": "Item", "key": "apple"}


def create(rid, t, *args):
    return {"id": rid, "create": t, "args": list(args)}


def call(rid, t, key, method, *args):
    return {"id": rid, "call": t, "key": key, "method": method, "args": list(args)}


def get(rid, t, key):
    return {"id": rid, "get": t, "key": key}


SETUP = [
    create("c1", "Item", "apple", 5),
    create("c2", "User", "alice"),
    create("c3", "User", "bob"),
    call("c4", "User", "alice", "update_balance", 100),
    call("c5", "Item", "apple", "update_stock", 10),
]


def ok(res, rid):
    assert "result" in res[rid], res[rid]
    return res[rid]["result"]


def err(res, rid):
    assert "error" in res[rid], res[rid]
    return res[rid]["error"]["type"], res[rid]["error"]["message"]


# ------------------------------------------------------------ basics


def test_create_call_get(run):
    res, dump = run("shop.py", SETUP + [call("r1", "User", "alice", "buy_item", 3, ITEM),
                                        get("r2", "Item", "apple")])
    assert ok(res, "c1") == ITEM
    assert ok(res, "r1") is True
    assert ok(res, "r2") == {"item_name": "apple", "stock": 7, "price": 5, "tags": []}
    assert state_of(dump, "User", "alice")["balance"] == 85
    assert state_of(dump, "User", "alice")["items"] == [ITEM]


def test_results_in_file_order(run):
    res, _ = run("shop.py", SETUP)
    assert list(res) == ["c1", "c2", "c3", "c4", "c5"]


def test_entity_not_found_and_exists(run):
    res, _ = run("shop.py", SETUP + [
        call("r1", "User", "zed", "update_balance", 1),
        get("r2", "Item", "pear"),
        create("r3", "Item", "apple", 9),
        call("r4", "User", "alice", "buy_item", 1, {"$entity": "Item", "key": "pear"}),
        get("r5", "Item", "apple"),
        get("r6", "User", "alice"),
    ])
    assert err(res, "r1") == ("EntityNotFound", "User 'zed' does not exist")
    assert err(res, "r2") == ("EntityNotFound", "Item 'pear' does not exist")
    assert err(res, "r3") == ("EntityExists", "Item 'apple' already exists")
    assert err(res, "r4") == ("EntityNotFound", "Item 'pear' does not exist")
    assert ok(res, "r5")["price"] == 5  # failed create left the original alone
    assert ok(res, "r6")["balance"] == 100


def test_int_keys_in_messages_and_dump_order(run):
    reqs = [create(f"a{k}", "Account", k) for k in (10, 2, 33)]
    reqs += [create("c1", "Counter", "b", 0), create("c2", "Counter", "a", 0),
             create("c3", "Account", 2), get("g", "Account", 7)]
    res, dump = run("from_import.py", reqs)
    assert err(res, "c3") == ("EntityExists", "Account 2 already exists")
    assert err(res, "g") == ("EntityNotFound", "Account 7 does not exist")
    assert [(e["entity"], e["key"]) for e in dump] == [
        ("Account", 2), ("Account", 10), ("Account", 33), ("Counter", "a"), ("Counter", "b")]
    assert list(dump[0]["state"]) == ["id", "x"]


def test_unknown_method_and_wrong_arity_change_nothing(run):
    res, dump = run("shop.py", SETUP + [
        call("r1", "User", "alice", "nope"),
        call("r2", "User", "alice", "update_balance", 1, 2),
        call("r3", "User", "alice", "update_balance", "x"),
        call("r4", "User", "alice", "__key__"),
        call("r5", "User", "alice", "buy_item", 1, {"$entity": "User", "key": "bob"}),
        create("r6", "Item", "pear"),
    ])
    assert err(res, "r1")[0] == "AttributeError"
    assert err(res, "r2")[0] == "TypeError"
    assert err(res, "r3")[0] == "TypeError"
    assert err(res, "r4")[0] == "AttributeError"
    assert err(res, "r5")[0] == "TypeError"
    assert err(res, "r6")[0] == "TypeError"
    assert state_of(dump, "User", "alice")["balance"] == 100
    assert [e["key"] for e in dump if e["entity"] == "Item"] == ["apple"]


# ------------------------------------------------------------ rollback


def test_user_exception_rolls_back_self_and_other(run):
    # alice pays, then the item is out of stock: both writes are undone.
    res, dump = run("shop.py", SETUP + [call("r1", "User", "alice", "buy_item", 11, ITEM)])
    assert err(res, "r1") == ("ValueError", "out of stock")
    assert state_of(dump, "User", "alice")["balance"] == 100
    assert state_of(dump, "User", "alice")["items"] == []
    assert state_of(dump, "Item", "apple")["stock"] == 10


def test_user_exception_class_and_message(run):
    res, _ = run("shop.py", SETUP + [call("r1", "User", "alice", "buy_item", 30, ITEM)])
    assert err(res, "r1") == ("InsufficientFunds", "alice has 100, needs 150")


def test_builtin_errors_mid_chain_roll_back(run):
    res, dump = run("shop.py", SETUP + [
        call("r1", "User", "alice", "buy_then_fail", ITEM, 0),
        call("r2", "User", "alice", "poke_then_keyerror", ITEM, "b"),
        call("r3", "User", "alice", "index_error", ITEM, 5),
        call("r4", "User", "alice", "buy_then_fail", ITEM, 5),
    ])
    assert err(res, "r1") == ("ZeroDivisionError", "integer division or modulo by zero")
    assert err(res, "r2") == ("KeyError", "'b'")
    assert err(res, "r3") == ("IndexError", "list index out of range")
    assert ok(res, "r4") == 2
    assert state_of(dump, "User", "alice")["balance"] == 99
    assert state_of(dump, "Item", "apple") == {
        "item_name": "apple", "stock": 9, "price": 5, "tags": []}


def test_rollback_keeps_references_in_state(run):
    res, dump = run("shop.py", SETUP + [
        call("r1", "User", "alice", "set_friend", {"$entity": "User", "key": "bob"}),
        call("r2", "User", "bob", "set_friend", {"$entity": "User", "key": "alice"}),
        call("r3", "User", "alice", "buy_then_fail", ITEM, 0),
        call("r4", "User", "alice", "ping", 3),
    ])
    assert err(res, "r3")[0] == "ZeroDivisionError"
    assert ok(res, "r4") == ["ping3", "ping1"]
    assert state_of(dump, "User", "alice")["friend"] == {"$entity": "User", "key": "bob"}


def test_overflow_rolls_back(run):
    res, dump = run("shop.py", SETUP + [
        call("r1", "User", "alice", "grow", 2 ** 62),
        call("r2", "User", "alice", "big_arg", {"$entity": "User", "key": "bob"}),
        call("r3", "User", "alice", "temp_big"),
        call("r4", "User", "alice", "update_balance", 2 ** 63),
        call("r5", "User", "alice", "update_balance", 2 ** 63 - 101),
    ])
    assert err(res, "r1") == ("OverflowError", "int64 overflow")
    assert err(res, "r2") == ("OverflowError", "int64 overflow")
    assert ok(res, "r3") == 2 ** 60  # only values that are stored or cross a boundary count
    assert err(res, "r4")[0] == "BadRequest"  # not an int64 argument
    assert ok(res, "r5") == 2 ** 63 - 1
    assert state_of(dump, "User", "alice")["balance"] == 2 ** 63 - 1
    assert state_of(dump, "User", "bob")["balance"] == 0


# ------------------------------------------------------------ copy semantics


def test_values_cross_boundaries_by_copy(run):
    res, _ = run("shop.py", SETUP + [call("r1", "User", "alice", "tags_are_copied", ITEM)])
    mine, returned, remote_tags = ok(res, "r1")
    assert mine == ["a"]  # the callee appended to its own copy
    assert returned == ["a", "seen", "local"]
    assert remote_tags == ["a", "seen"]  # neither the result nor the field read aliased


def test_call_through_own_reference_is_remote(run):
    res, _ = run("shop.py", SETUP + [
        call("r1", "User", "alice", "self_via_ref", {"$entity": "User", "key": "alice"}),
        call("r2", "User", "alice", "self_local"),
    ])
    assert ok(res, "r1") == ["x"]
    assert ok(res, "r2") == ["x", "appended"]


def test_reentrant_call_sees_callers_writes(run):
    res, dump = run("shop.py", SETUP + [
        call("r1", "User", "alice", "set_friend", {"$entity": "User", "key": "bob"}),
        call("r2", "User", "bob", "set_friend", {"$entity": "User", "key": "alice"}),
        call("r3", "User", "alice", "ping", 2),
    ])
    # alice logs ping2, bob ping1, then alice (re-entered) appends ping0 to her log.
    assert ok(res, "r3") == ["ping2", "ping0"]
    assert state_of(dump, "User", "bob")["log"] == ["ping1"]


# ------------------------------------------------------------ values


def test_float_and_dict_encoding(run):
    res, _ = run("shop.py", [create("c1", "Item", "pear", 12), create("c2", "User", "u"),
                             call("r1", "Item", "pear", "half"),
                             call("r2", "User", "u", "set_counts"),
                             call("r3", "Item", "pear", "price_ratio", 0)])
    assert ok(res, "r1") == 6.0 and isinstance(ok(res, "r1"), float)
    assert ok(res, "r2") == {"1": "one", "20": "twenty"}
    assert err(res, "r3") == ("ZeroDivisionError", "division by zero")


def test_float_text_and_nan(tmp_path):
    from stent.oracle import dumps
    from stent.values import encode

    class Rt:
        def is_entity(self, obj):
            return False

    assert dumps({"result": encode(6.0, Rt())}) == '{"result": 6.0}'
    assert encode([float("nan"), float("inf"), -float("inf")], Rt()) == [
        {"$float": "NaN"}, {"$float": "Infinity"}, {"$float": "-Infinity"}]
    assert encode((1, "a", None), Rt()) == [1, "a", None]


def test_float_param_accepts_int_and_tuple_results(run):
    res, _ = run("stateflow_demo.py", [create("c1", "User", "u"),
                                       call("r1", "User", "u", "simple_for_loop",
                                            {"$entity": "User", "key": "u"})])
    assert ok(res, "r1") == [3, 1, 4, 1, 1]


# ------------------------------------------------------------ programs and requests


def test_stateflow_syntax_program(run):
    res, dump = run("stateflow_demo.py", [
        create("c1", "Item", "apple", 5), create("c2", "User", "alice"),
        call("r1", "Item", "apple", "update_stock", 10),
        call("r2", "User", "alice", "update_balance", 99),
        call("r3", "User", "alice", "buy_item", 2, ITEM),
        call("r4", "User", "alice", "buy_item", 100, ITEM),
    ])
    assert ok(res, "r2") is None
    assert ok(res, "r3") is True and ok(res, "r4") is False
    assert state_of(dump, "User", "alice") == {"username": "alice", "balance": 90, "items": []}


def test_from_stateflow_import_stateflow(run):
    res, _ = run("from_import.py", [create("c", "Counter", "a", 1),
                                    call("r", "Counter", "a", "inc", 2)])
    assert ok(res, "r") == 3


def test_malformed_requests(run):
    lines = [
        json.dumps(create("c1", "Item", "apple", 5)),
        "{not json",
        "[1, 2]",
        json.dumps({"create": "Item", "args": ["x", 1]}),
        json.dumps({"id": "m1", "create": "Nope", "args": []}),
        json.dumps({"id": "m2", "call": "Item", "method": "half", "args": []}),
        json.dumps({"id": "m3", "call": "Item", "key": "apple", "args": []}),
        json.dumps({"id": "m4", "call": "Item", "key": "apple", "method": "half", "args": 3}),
        json.dumps({"id": "m5", "get": "Item", "call": "Item", "key": "apple"}),
        json.dumps({"id": "m6", "call": "Item", "key": "apple", "method": "update_stock",
                    "args": [{"$entity": "Ghost", "key": "g"}]}),
        json.dumps({"id": "m7", "get": ["Item"], "key": "apple"}),
        "",
        json.dumps(get("g1", "Item", "apple")),
    ]
    from stent.oracle import run_workload
    from conftest import PROGRAMS

    results, _ = run_workload(PROGRAMS / "shop.py", lines)
    assert len(results) == 12  # the blank line is skipped
    by_id = {r["id"]: r for r in results if r["id"] is not None}
    anon = [r for r in results if r["id"] is None]
    assert len(anon) == 3
    assert all(r["error"]["type"] == "BadRequest" for r in anon)
    assert anon[0]["error"]["message"].startswith("line 2: ")
    for rid in ("m1", "m2", "m3", "m4", "m5", "m6", "m7"):
        assert by_id[rid]["error"]["type"] == "BadRequest", by_id[rid]
    assert by_id["g1"]["result"]["stock"] == 0


def test_print_goes_to_stderr(run, capsys):
    res, _ = run("shop.py", [create("c", "User", "zoe"), call("r", "User", "zoe", "shout")])
    assert ok(res, "r") == "zoe"
    captured = capsys.readouterr()
    assert "hello from zoe" in captured.err and "hello" not in captured.out


def test_key_formatting_is_verbatim():
    from stent.errors import exists, not_found

    assert str(not_found("User", "o'brien")) == "User 'o'brien' does not exist"
    assert str(exists("Account", 7)) == "Account 7 already exists"


def test_special_floats_decode(run):
    import math

    from stent.values import decode_json

    assert math.isnan(decode_json({"$float": "NaN"}, None))
    assert decode_json([{"$float": "-Infinity"}], None) == [-math.inf]
    res, _ = run("from_import.py", [
        create("c", "Counter", "a", 1),
        {"id": "r", "call": "Counter", "key": "a", "method": "inc", "args": [{"$float": "Infinity"}]},
    ])
    assert err(res, "r")[0] == "TypeError"  # `by: int` rejects a float


def test_reference_repr():
    from stent.values import EntityRef

    assert repr(EntityRef(None, "Item", "apple")) == "Item('apple')"
    assert f"{EntityRef(None, 'Account', 7)}" == "Account(7)"
