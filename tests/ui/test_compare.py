"""The compare page's pure parts (compare.py): parsing `runs=` and the bar charts."""

from __future__ import annotations

import pytest

from flowscope.errors import FlowscopeError
from flowscope.ui.compare import MAX_RUNS, bar_chart, parse_runs


def test_parse_runs() -> None:
    assert parse_runs("F/1, F/22,") == [("F", 1), ("F", 22)]
    for bad in ("", "F", "F/x", "F/1/start", ",".join(f"F/{i}" for i in range(1, MAX_RUNS + 2))):
        with pytest.raises(FlowscopeError):
            parse_runs(bad)


def test_bar_chart_draws_numbers_only_and_escapes() -> None:
    svg = bar_chart("<t>", ["F/1", "F/2", "F/3"], [1.5, "x", -2])
    assert svg.count("<rect") == 2 and "&lt;t&gt;" in svg and "<t>" not in svg
    assert bar_chart("t", ["F/1"], ["x"]) == ""


def _recorded_elsewhere(tmp_path, inline: bool = False):  # type: ignore[no-untyped-def]
    """Two runs of F whose end tasks' blobs live in tmp_path/team, as their records say."""
    from flowscope.config import Settings
    from flowscope.datastore import ContentStore, LocalStorage, save_artifact
    from flowscope.metastore.new_records import AttemptResult, AttemptStart, NewRun, NewTask
    from flowscope.metastore.records import ArtifactRecord
    from flowscope.stores import open_stores

    settings = Settings.from_env({"FLOWSCOPE_USER": "u"})
    stores = open_stores(str(tmp_path / "meta"), settings=settings, create=True)
    team = tmp_path / "team"
    store = ContentStore(LocalStorage(team), address=str(team), inline_max=2048 if inline else 0)
    for n in (1, 2):
        run = stores.provider.create_run(NewRun("F", "u", datastore=str(team))).run_id
        info = save_artifact(store, 0.25 * n)
        art = ArtifactRecord("accuracy", info.sha, info.size, info.type_name, info.serializer)
        stores.provider.create_tasks("F", run, [NewTask("end", 1)])
        stores.provider.start_attempts("F", run, [AttemptStart(1, 0)])
        result = AttemptResult(1, 0, "succeeded", artifacts=(art,))
        stores.provider.finish_attempts("F", run, [result])
        stores.provider.finish_run("F", run, "succeeded")
    return stores, team


def test_compare_reads_each_run_from_the_datastore_it_recorded(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from flowscope.ui.compare import compare

    stores, team = _recorded_elsewhere(tmp_path)
    try:
        result = compare(stores, [("F", 1), ("F", 2)])
        rows = {label: values for label, values, _ in result.rows}
        assert rows["data.accuracy"] == ["0.25", "0.5"]
        assert not [p for p in (tmp_path / "meta").rglob("*") if len(p.name) == 64]
    finally:
        stores.close()


def test_the_preview_page_reads_the_runs_recorded_datastore(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from flowscope.ui import create_app

    from .conftest import Http

    stores, team = _recorded_elsewhere(tmp_path)
    try:
        client = Http(create_app(stores, secret=b"k" * 32))
        page = client.get("/ui/-/preview/F/2/end/1/accuracy", params={"fragment": "1"})
        assert page.status_code == 200 and "0.5" in page.text and "could not" not in page.text
        compared = client.get("/ui/compare", params={"runs": "F/1,F/2"}).text
        assert "0.25" in compared and "0.5" in compared
    finally:
        stores.close()
