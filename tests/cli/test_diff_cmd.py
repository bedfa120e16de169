"""`flowscope diff A B [--json] [--all]` (cli/diff_cmd.py), end to end through main()."""

from __future__ import annotations

import json

import pytest

from flowscope.cli.main import main
from flowscope.datastore import ContentStore, LocalStorage, save_artifact
from flowscope.metastore.local import open_local
from flowscope.metastore.new_records import AttemptResult, AttemptStart, NewRun, NewTask
from flowscope.metastore.records import ArtifactRecord

from .conftest import T0, USER, Workspace


def _record(workspace: Workspace, flow: str, alpha: int, note: str) -> str:
    """A run of `flow` with parameter alpha and a start task holding `alpha` and `note`."""
    store_dir = workspace.root / ".flowscope"
    provider = open_local(store_dir, create=False)
    blobs = ContentStore(LocalStorage(store_dir / "blobs"))
    try:
        run = provider.create_run(
            NewRun(
                flow,
                USER,
                system_tags=(f"user:{USER}",),
                parameters={"alpha": alpha},
                created_at=T0,
            )
        )
        provider.create_tasks(flow, run.run_id, [NewTask("start", 1, created_at=T0)])
        provider.start_attempts(flow, run.run_id, [AttemptStart(1, 0, T0)])
        artifacts = []
        for name, value in (("alpha", alpha), ("note", note)):
            info = save_artifact(blobs, value)
            artifacts.append(
                ArtifactRecord(name, info.sha, info.size, info.type_name, info.serializer, T0)
            )
        provider.finish_attempts(
            flow, run.run_id, [AttemptResult(1, 0, "succeeded", T0 + 2, tuple(artifacts))]
        )
        provider.finish_run(flow, run.run_id, "succeeded")
        return f"{flow}/{run.run_id}"
    finally:
        provider.close()


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def pair(workspace: Workspace) -> tuple[str, str]:
    return _record(workspace, "TrainFlow", 1, "<b>same</b>"), _record(
        workspace, "TrainFlow", 2, "<b>same</b>"
    )


def test_text_diff_shows_differences_only(
    pair: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = pair
    code, out, err = _run(["diff", a, b], capsys)
    assert (code, err) == (0, "")
    assert out.startswith(f"diff {a} -> {b}\n")
    assert "~ alpha: 1 -> 2" in out  # the parameter and the artifact
    assert "note" not in out
    assert "note = '<b>same</b>'" not in out
    _, everything, _ = _run(["diff", a, b, "--all"], capsys)
    assert "note = '<b>same</b>'" in everything  # --all reads unchanged scalars too


def test_json_diff(pair: tuple[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    a, b = pair
    code, out, _ = _run(["diff", "--json", a, b], capsys)
    data = json.loads(out)
    assert code == 0 and (data["a"], data["b"], data["flow"]) == (a, b, "TrainFlow")
    assert data["parameters"] == [{"name": "alpha", "state": "changed", "a": 1, "b": 2}]
    full = json.loads(_run(["diff", "--json", "--all", a, b], capsys)[1])
    names = [x["name"] for x in full["steps"][0]["tasks"][0]["artifacts"]]
    assert names == ["alpha", "note"]


@pytest.mark.parametrize(
    ("argv", "code", "words"),
    [
        (["diff", "TrainFlow", "TrainFlow/2"], 2, "does not name a run: expected FLOW/RUN"),
        (["diff", "TrainFlow/2/start", "TrainFlow/2"], 2, "does not name a run"),
        (["diff", "TrainFlow/../x", "TrainFlow/2"], 2, "does not name a run"),
        (["diff", "TrainFlow/x", "TrainFlow/2"], 2, "TrainFlow/x"),
        (["diff", "TrainFlow/9", "TrainFlow/2"], 1, "Run('TrainFlow/9') does not exist"),
        (["diff", "TrainFlw/1", "TrainFlow/2"], 1, "did you mean 'TrainFlow'"),
        (["diff", "HelloFlow/1", "TrainFlow/2"], 2, "runs of one flow"),
    ],
)
def test_mistakes_are_one_line_errors(
    pair: tuple[str, str],
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    code: int,
    words: str,
) -> None:
    got, out, err = _run(argv, capsys)
    assert (got, out) == (code, "")
    assert err.startswith("error: ") and err.count("\n") == 1 and words in err, err
