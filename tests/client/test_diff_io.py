"""What a run diff reads (client/diff_io.py): few queries, no blob it does not need."""

from __future__ import annotations

from flowscope.client import Run

from .diff_fixtures import two_runs


def test_unchanged_and_non_scalar_artifacts_are_not_loaded(client, builder, monkeypatch):
    a, b = two_runs(builder, y_of=lambda i: i * i + 1)
    loaded = []
    import flowscope.client.diff_io as diff_io

    real = diff_io.load_value

    def spy(provider, record, owner, **kw):
        loaded.append(record.name)
        return real(provider, record, owner, **kw)

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

    def spy(provider, record, owner, **kw):
        loaded.append(record.name)
        return real(provider, record, owner, **kw)

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


def test_a_diff_reads_each_runs_blobs_from_the_datastore_it_recorded(tmp_path, monkeypatch):
    """Two runs whose blobs (code, environment, scalars) live apart from the pair's datastore,
    each in its own directory: the diff reads every one from there."""
    from flowscope.client import metadata, namespace
    from flowscope.datastore import ContentStore, LocalStorage

    from .conftest import ENV, SCRIPT, USER, Builder, _local_backend

    monkeypatch.setenv("FLOWSCOPE_USER", USER)
    backend = _local_backend(None, tmp_path / "meta")
    try:
        builder = Builder(backend)
        paths = []
        for n, where in enumerate((tmp_path / "blobs-a", tmp_path / "blobs-b")):
            builder.store = ContentStore(LocalStorage(where), address=str(where))
            code = {"flow.py": SCRIPT, "helpers.py": f"X = {n}\n"}
            run = builder.new_run("TrainFlow", code=code, datastore=str(where))
            env = {**ENV, "python_version": f"3.1{n}.0"}
            builder.task(run, "start", {"score": 0.5 + n, "label": "x" * 3000 + str(n)}, env=env)
            builder.task(run, "end", {"best": n}, env=env)
            paths.append(builder.finish(run).pathspec)
        metadata(backend.address)
        namespace(None)
        diff = Run(paths[0]).diff(Run(paths[1]))
        start = next(s for s in diff.steps if s.name == "start")
        score = next(x for x in start.tasks[0].artifacts if x.name == "score")
        assert (score.a.value, score.b.value) == (0.5, 1.5)
        changed = {f.path: f.state for f in diff.code.files}
        assert changed["helpers.py"] != "same" and changed["flow.py"] == "same"
        python = {c.name: (c.a, c.b) for c in diff.environment.fields}["python_version"]
        assert python == ("3.10.0", "3.11.0")
        assert not [p for p in (tmp_path / "meta").rglob("*") if len(p.name) == 64]
    finally:
        backend.provider.close()


def test_scalars_that_came_inline_with_the_run_index_need_no_datastore(tmp_path, monkeypatch):
    """What makes a diff of S3 runs skip S3: the run index carries the inline copies."""
    from flowscope.client import metadata, namespace
    from flowscope.datastore import ContentStore, LocalStorage

    from .conftest import USER, Builder, _local_backend

    monkeypatch.setenv("FLOWSCOPE_USER", USER)
    backend = _local_backend(None, tmp_path / "meta")
    try:
        builder = Builder(backend)
        builder.inline = True
        where = tmp_path / "gone"
        builder.store = ContentStore(LocalStorage(where), address=str(where), inline_max=2048)
        paths = []
        for n in range(2):
            run = builder.new_run("TrainFlow", datastore=str(where))
            builder.task(run, "end", {"best": 0.9 + n / 100, "note": f"n{n}"})
            paths.append(builder.finish(run).pathspec)
        envs = {t.env_key for n in (1, 2) for t in backend.provider.list_tasks("TrainFlow", n)}
        for blob in [p for p in where.rglob("*") if p.is_file() and p.name not in envs]:
            blob.unlink()  # only the environment records are left to read
        metadata(backend.address)
        namespace(None)
        end = next(s for s in Run(paths[0]).diff(Run(paths[1])).steps if s.name == "end")
        values = {x.name: (x.a.value, x.b.value) for x in end.tasks[0].artifacts}
        assert values == {"best": (0.9, 0.91), "note": ("n0", "n1")}
    finally:
        backend.provider.close()
