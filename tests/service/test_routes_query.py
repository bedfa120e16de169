"""The bulk query routes, in process (service/routes_query.py): the run table and the check."""

from __future__ import annotations

from flowscope.metastore.new_records import NewTask
from flowscope.metastore.queries import RunQuery
from flowscope.metastore.run_index import from_wire as from_index_wire
from flowscope.metastore.run_table import from_wire, unpack
from flowscope.metastore.store import SqlMetadataStore

from .helpers import Api, error_of, seed_run


def _seed(store: SqlMetadataStore) -> list[int]:
    return [seed_run(store, parameters={"alpha": a, "name": f"n{a}"}) for a in (0.5, 1, 2.5)]


def test_the_table_is_the_stores_table_on_the_wire(api: Api, store: SqlMetadataStore) -> None:
    a, b, c = _seed(store)
    answer = api.get("/flows/F/table", params={"where": "params.alpha >= 1", "limit": "1"})
    assert answer.status_code == 200, answer.text
    table = from_wire(answer.json())
    assert table == store.list_run_table("F", RunQuery(where="params.alpha >= 1", limit=1))
    assert list(table.run_ids) == [c] and table.cursor == str(c)
    assert unpack(table.params) == {"alpha": [2.5], "name": ["n2.5"]}
    rest = from_wire(api.get("/flows/F/table", params={"cursor": str(c)}).json())
    assert list(rest.run_ids) == [b, a] and rest.cursor is None


def test_the_table_checks_its_keys_and_filter(api: Api, store: SqlMetadataStore) -> None:
    _seed(store)
    assert error_of(api.get("/flows/F/table", params={"where": "params.alpah > 1"})) == (
        400,
        "QueryError",
    )
    assert error_of(api.get("/flows/F/table", params={"values": "true"}))[0] == 400
    assert error_of(api.get("/flows/F/table", params={"nope": "1"}))[0] == 400
    assert error_of(api.get("/flows/F/table", params={"limit": "x"}))[0] == 400
    assert error_of(api.get("/flows/F/table", params={"where": "x" * 5000}))[0] == 400


def test_check_answers_valid_or_the_parsers_message(api: Api, store: SqlMetadataStore) -> None:
    _seed(store)
    ok = api.get("/flows/F/check", params={"where": "params.alpha > 1"})
    assert ok.status_code == 200 and ok.json() == {"valid": True}
    bad = api.get("/flows/F/check", params={"where": "params.alpha >"})
    assert error_of(bad) == (400, "QueryError") and "position" in bad.json()["error"]["message"]
    assert error_of(api.get("/flows/F/check"))[0] == 400  # no where
    assert error_of(api.get("/flows/F/check", params={"where": "x", "zzz": "1"}))[0] == 400
    assert error_of(api.get("/flows/F/check", params={"where": "x", "step": "../x"}))[0] == 400
    step = api.get("/flows/F/check", params={"where": "index = 1", "step": "end"})
    assert step.status_code == 200


def test_the_run_index_is_the_stores_index_on_the_wire(api: Api, store: SqlMetadataStore) -> None:
    run = _seed(store)[0]
    store.create_tasks("F", run, [NewTask("start", 1)])
    answer = api.get(f"/flows/F/runs/{run}/index")
    assert answer.status_code == 200, answer.text
    assert from_index_wire(answer.json(), "F", run, ValueError) == store.list_run_index("F", run)
    assert error_of(api.get(f"/flows/F/runs/{run}/index", params={"x": "1"}))[0] == 400
    assert error_of(api.get("/flows/F/runs/x/index"))[0] == 400


def test_the_routes_need_the_token(api: Api, store: SqlMetadataStore) -> None:
    _seed(store)
    paths = ("/flows/F/table", "/flows/F/check?where=user%20%3D%20%27a%27", "/flows/F/runs/1/index")
    for path in paths:
        assert error_of(api.get(path, auth=False))[0] == 401
        assert error_of(api.get(path, token="wrong-token-xyz"))[0] == 401
