"""One artifact-index query per step listing (client/prefetch.py)."""

from __future__ import annotations

import pytest

from flowscope.client import Step


def test_reading_an_artifact_of_every_foreach_task_costs_two_queries(client, builder, counting):
    run = builder.foreach(50)
    step = Step(f"{run.pathspec}/square")
    counting.calls.clear()
    values = [task.data.y for task in step]
    assert sorted(values) == [i * i for i in range(50)]
    assert counting.calls == {"list_tasks": 1, "list_step_artifacts": 1}  # blobs: the datastore


def test_the_index_is_fetched_only_when_asked_for(client, builder, counting):
    run = builder.foreach(5)
    step = Step(f"{run.pathspec}/square")
    counting.calls.clear()
    assert [t.status for t in step] == ["succeeded"] * 5
    assert counting.calls == {"list_tasks": 1}


def test_failed_tasks_read_their_own_attempts_index(client, builder, counting):
    run = builder.new_run("MixedFlow")
    builder.task(run, "each", {"v": 0}, foreach_index=0)
    builder.task(run, "each", {"v": 1}, foreach_index=1, attempts=2, status="failed")
    counting.calls.clear()
    values = {t.index: t.data.v for t in Step(f"{run.pathspec}/each")}
    assert values == {0: 0, 1: 1}
    assert counting.calls["list_artifacts"] == 1 and counting.calls["list_step_artifacts"] == 1


def _blob_requests(monkeypatch) -> list[str]:
    """The blob-proxy requests the client's datastore sends (none for a local datastore)."""
    from flowscope.client.context import CONTEXT
    from flowscope.datastore.http import HttpBlobStorage

    storage = CONTEXT.datastore_for(CONTEXT.provider()).storage
    remote = getattr(storage, "remote", storage)
    sent: list[str] = []
    if isinstance(remote, HttpBlobStorage):
        request = remote._http.request

        def counted(method, path, **kw):
            sent.append(f"{method} {path.split('/')[1]}/{path.split('/')[2][:5]}")
            return request(method, path, **kw)

        monkeypatch.setattr(remote._http, "request", counted)
    return sent


def test_walking_a_step_reads_its_small_blobs_in_one_batch(client, builder, monkeypatch):
    run = builder.foreach(40)
    sent = _blob_requests(monkeypatch)
    walked = {
        (task.index, artifact.id): artifact.data
        for task in Step(f"{run.pathspec}/square")
        for artifact in task
    }
    assert {v for (_, name), v in walked.items() if name == "y"} == {i * i for i in range(40)}
    assert len(walked) == 40 * len(list(Step(f"{run.pathspec}/square").task))
    if client.name == "service":
        assert sent == ["POST blobs/batch"]  # not one GET per value
    else:
        assert sent == []
    # the same values a fresh walk through task.data reads, again without a request per value
    sent.clear()
    again = {(t.index, "y"): t.data.y for t in Step(f"{run.pathspec}/square")}
    assert again == {k: v for k, v in walked.items() if k[1] == "y"}
    assert sent == []  # every blob is in the local cache now (service) or local (local)


def test_a_failed_batch_falls_back_to_reading_each_value(client, builder, monkeypatch):
    run = builder.foreach(5)
    from flowscope.client.context import CONTEXT
    from flowscope.errors import DataStoreError

    storage = CONTEXT.datastore_for(CONTEXT.provider()).storage

    def broken(keys):
        raise DataStoreError("the batch route is gone")

    monkeypatch.setattr(storage, "prefetch", broken, raising=False)
    values = sorted(task.data.y for task in Step(f"{run.pathspec}/square"))
    assert values == [i * i for i in range(5)]


def test_small_blobs_come_with_the_listing_and_need_no_datastore(client, builder, monkeypatch):
    builder.inline = True
    run = builder.foreach(30)
    from flowscope.client.context import CONTEXT

    storage = CONTEXT.datastore_for(CONTEXT.provider()).storage
    reads: list[str] = []
    for name in ("read", "read_mapped", "read_many", "prefetch"):
        if hasattr(storage, name):
            monkeypatch.setattr(storage, name, lambda *a, _n=name: reads.append(_n), raising=False)
    sent = _blob_requests(monkeypatch)
    walked = sorted(task.data.y for task in Step(f"{run.pathspec}/square"))
    assert walked == [i * i for i in range(30)]
    assert [t.data.items for t in Step(f"{run.pathspec}/square")][0] == list(range(30))
    assert reads == [] and sent == []  # never asked: not one blob read, batch or request


def test_an_inline_blob_that_does_not_match_its_hash_is_refused(client, builder):
    import base64
    from dataclasses import replace

    from flowscope.errors import BlobCorrupted

    builder.inline = True
    real = builder.artifacts
    other = builder.artifacts({"y": "another value"})[0]

    def tampered(values):  # a record whose inline bytes are another blob's
        return tuple(replace(r, inline=other.inline) if r.name == "y" else r for r in real(values))

    builder.artifacts = tampered
    run = builder.foreach(2)
    assert base64.b64decode(other.inline)
    task = next(iter(Step(f"{run.pathspec}/square")))
    with pytest.raises(BlobCorrupted, match="'y'.*do not match their content hash"):
        _ = task.data.y
