"""What a run diff reads (client/diff_io.py): few queries, no blob it does not need."""

from __future__ import annotations

from flowscope.client import Run

from .diff_fixtures import two_runs


def test_unchanged_and_non_scalar_artifacts_are_not_loaded(client, builder, monkeypatch):
    a, b = two_runs(builder, y_of=lambda i: i * i + 1)
    loaded = []
    import flowscope.client.diff_io as diff_io

    real = diff_io.load_value

    def spy(provider, record, owner):
        loaded.append(record.name)
        return real(provider, record, owner)

    monkeypatch.setattr(diff_io, "load_value", spy)
    a.diff(b)
    # the y values of a and b (0,1,4 and 1,2,5: five distinct blobs) and end's `best`s
    assert sorted(loaded) == ["best", "best"] + ["y"] * 5
    assert "big" not in loaded and "rates" not in loaded


def test_queries_are_few_and_per_run(client, builder, counting):
    runs = [builder.foreach(50) for _ in range(2)]
    a, b = Run(runs[0].pathspec), Run(runs[1].pathspec)
    counting.calls.clear()
    a.diff(b)
    # per run: the run, its parameters, steps, and one index of every task and its artifacts
    assert counting.calls["list_run_index"] == 2
    assert counting.calls["list_step_artifacts"] == 0 and counting.calls["list_tasks"] == 0
    assert counting.calls["list_artifacts"] == 0
    assert counting.total() <= 2 * 5


def test_all_values_reads_unchanged_scalars_once_per_distinct_blob(client, builder, monkeypatch):
    a, b = two_runs(builder)
    loaded = []
    import flowscope.client.diff_io as diff_io

    real = diff_io.load_value

    def spy(provider, record, owner):
        loaded.append(record.name)
        return real(provider, record, owner)

    monkeypatch.setattr(diff_io, "load_value", spy)
    diff = a.diff(b, all_values=True)
    train = next(s for s in diff.steps if s.name == "train")
    y = next(x for x in train.tasks[2].artifacts if x.name == "y")
    assert (y.state, y.a.value, y.a.has_value) == ("same", 4, True)
    # one read per distinct blob: the ints 0, 1, 2, 4 (input and y share 0 and 1), best's
    # 0.9 and 0.95, note's 'ok'; never the long string or the list
    assert len(loaded) == 7
    assert "big" not in loaded and "rates" not in loaded


def test_a_value_the_record_carries_from_the_query_index_is_not_read_again(monkeypatch):
    import flowscope.client.diff_io as diff_io
    from flowscope.client.diff_io import load_scalars
    from flowscope.metastore.records import ArtifactRecord

    monkeypatch.setattr(diff_io, "load_value", lambda *a: (_ for _ in ()).throw(AssertionError))
    # a record as a provider with the query index returns it: its scalar's JSON text
    record = ArtifactRecord("x", "sha1", 10, "builtins.float", "pickle", 0.0, "0.25")
    assert load_scalars([], [record]) == {"sha1": 0.25}
