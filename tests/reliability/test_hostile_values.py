"""Hostile values that used to leak raw Python errors (issue 10, items 9, 18 and 19): a
parameter value that is not UTF-8, a pickling hook that raises KeyboardInterrupt or
MemoryError, a path starting with `~nouser`, an artifact named with the internal `_fs_`
prefix. Each is one clear FlowscopeError, and a refused run writes nothing."""

from __future__ import annotations

import sys
import textwrap
from typing import Any

import pytest

from flowscope.errors import FlowscopeError, MetadataError

from .helpers import Project, Result, row_counts, tree

PARAM_FLOW = """
from flowscope import FlowSpec, Parameter, step


class ParamFlow(FlowSpec):
    alpha = Parameter("alpha", default="plain", help="a text")

    @step
    def start(self):
        self.seen = self.alpha
        self.next(self.end)

    @step
    def end(self):
        print("alpha", self.seen)


if __name__ == "__main__":
    ParamFlow()
"""


def write_flow(project: Project, name: str, source: str) -> None:
    (project.root / f"{name}.py").write_text(textwrap.dedent(source))


def one_line_error(result: Result, *needles: str) -> str:
    assert result.code in (1, 2), result.output  # 2: a usage error (ParameterError)
    assert "Traceback" not in result.output, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines and lines[-1].startswith("error: "), result.output
    assert len([line for line in lines if line.startswith("error: ")]) == 1, result.output
    for needle in needles:
        assert needle in lines[-1], (needle, lines[-1])
    return lines[-1]


# ---- item 9: a parameter value that is not UTF-8 --------------------------------------------


def test_a_non_utf8_parameter_value_is_refused_before_anything_is_written(
    project: Project,
) -> None:
    write_flow(project, "pflow", PARAM_FLOW)
    bad = "caf\udce9"  # what Python makes of the byte 0xE9 in argv (surrogateescape)
    result = project.call(project.command("pflow", "run", "--alpha", bad))
    one_line_error(result, "alpha", "UTF-8", "0xe9")
    assert not project.store.exists(), "a refused run created the store"

    assert project.run("pflow", "run").code == 0
    before = tree(project.store), row_counts(project.store / "metadata.db")
    one_line_error(project.call(project.command("pflow", "run", "--alpha", bad)), "alpha")
    assert (tree(project.store), row_counts(project.store / "metadata.db")) == before


def test_a_run_in_a_non_utf8_directory_is_recorded(project: Project) -> None:
    """Paths are bytes on Linux: a store directory whose name is not UTF-8 is legal, and the
    command line recorded with the run keeps such bytes visible instead of failing."""
    write_flow(project, "pflow", PARAM_FLOW)
    where = project.root / "caf\udce9"
    result = project.call(project.command("pflow", "--metadata", str(where), "run"))
    assert result.code == 0, result.output
    fs = project.client(str(where))
    run = fs.Flow("ParamFlow").latest_run
    assert run.successful and run.data.seen == "plain"


# ---- item 19: `~nouser` and the internal prefix ----------------------------------------------


def test_a_path_with_an_unknown_user_is_a_clear_error(project: Project) -> None:
    write_flow(project, "pflow", PARAM_FLOW)
    assert project.run("pflow", "run").code == 0
    fs = project.client()
    with pytest.raises(MetadataError, match="nouser_fs_test"):
        fs.metadata("~nouser_fs_test/store")
    with pytest.raises(MetadataError, match="nouser_fs_test"):
        fs.metadata("local@~nouser_fs_test")
    assert fs.Flow("ParamFlow").latest_run.successful  # the refused switch changed nothing
    result = project.call(project.command("pflow", "--metadata", "~nouser_fs_test/x", "run"))
    one_line_error(result, "~nouser_fs_test")
    result = project.call(
        [sys.executable, "-m", "flowscope.cli.main", "--metadata", "~nouser_fs_test", "flows"]
    )
    one_line_error(result, "~nouser_fs_test")
    result = project.call(
        [sys.executable, "-m", "flowscope.cli.main", "flows"],
    )
    assert "Traceback" not in result.output


PREFIX_FLOW = """
from flowscope import FlowSpec, step


class PrefixFlow(FlowSpec):
    @step
    def start(self):
        self.kept = 1
        setattr(self, NAME, {"other": 2})
        self.next(self.end)

    @step
    def end(self):
        print("kept", self.kept)


if __name__ == "__main__":
    PrefixFlow()
"""


@pytest.mark.parametrize("name", ["_fs_values", "_fs_next", "_fs_mine"])
def test_an_artifact_with_the_internal_prefix_is_refused(project: Project, name: str) -> None:
    write_flow(project, "prefix", PREFIX_FLOW.replace("NAME", repr(name)))
    result = project.run("prefix", "run")
    assert result.code == 1, result.output
    assert name in result.output and "_fs_" in result.output, result.output
    assert "reserved" in result.output, result.output
    fs = project.client()
    run = fs.Flow("PrefixFlow").latest_run
    assert not run.successful
    task = run["start"].task
    assert name in str(task.exception)
    assert "kept" not in task  # a failed task shows no artifacts; nothing was half-stored


def test_the_internal_prefix_is_refused_in_process() -> None:
    from flowscope import FlowSpec, step

    class Local(FlowSpec):
        @step
        def start(self) -> None:
            self.next(self.end)

        @step
        def end(self) -> None:
            pass

    flow: Any = Local(use_cli=False)
    with pytest.raises(FlowscopeError, match="reserved"):
        flow._fs_values = {}
    with pytest.raises(FlowscopeError, match="reserved"):
        del flow._fs_values
    flow.fine = 3
    assert flow.fine == 3


# ---- item 18: pickling hooks that raise what `except Exception` does not catch ------------

HOOK_FLOW = """
from flowscope import FlowSpec, step


class Hook:
    def __reduce__(self):
        raise KIND()


class HookFlow(FlowSpec):
    @step
    def start(self):
        self.fine = 1
        self.hooked = Hook()
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    HookFlow()
"""


@pytest.mark.parametrize("kind", ["KeyboardInterrupt", "MemoryError"])
def test_a_pickling_hook_raising_a_base_exception_fails_the_task_clearly(
    project: Project, kind: str
) -> None:
    write_flow(project, "hook", HOOK_FLOW.replace("KIND", kind))
    result = project.run("hook", "run")
    assert result.code == 1, result.output
    assert "interrupted" not in result.stderr, result.output  # not taken for a Ctrl-C
    run = project.client().Flow("HookFlow").latest_run
    assert not run.successful and run.status == "failed"
    task = run["start"].task
    exception = task.exception
    text = str(exception)
    assert "hooked" in text and kind in text and "start" in text, text
    assert getattr(exception, "message", text).strip(), "an empty message"
    assert list(task) == []  # the failed task shows none of its artifacts


# ---- item 18: a large bytes value does not need twice its size ---------------------------

MEASURE = """
import os, resource, sys
from pathlib import Path

from flowscope.datastore import ContentStore, LocalStorage
from flowscope.datastore.artifacts import load_artifact, save_artifact

mode, kind, size, root = sys.argv[1], sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])
store = ContentStore(LocalStorage(root))


def peak():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


if mode == "save":
    value = {"bytes": bytes, "bytearray": bytearray}[kind](os.urandom(size))
    before = peak()
    info = save_artifact(store, value)
    (root / "last").write_text(info.sha + " " + info.serializer)
else:
    sha, serializer = (root / "last").read_text().split()
    before = peak()
    value = load_artifact(store, sha, serializer)
    assert type(value).__name__ == kind and len(value) == size
print(peak() - before)
"""

SIZE = 256 << 20


@pytest.mark.parametrize("kind", ["bytes", "bytearray"])
def test_a_large_bytes_value_is_saved_and_loaded_without_a_second_copy(
    project: Project, kind: str
) -> None:
    """Peak RSS growth, in a fresh process each: saving must not copy the value (old: +1x),
    loading must not hold the blob and the value at once (old: +2x for a 1x value)."""
    script = project.root / "measure.py"
    script.write_text(MEASURE)
    blobs = project.root / "blobs"
    growth = {}
    for mode in ("save", "load"):
        result = project.call([sys.executable, str(script), mode, kind, str(SIZE), str(blobs)])
        assert result.code == 0, result.output
        growth[mode] = int(result.stdout.split()[-1])
    assert growth["save"] < SIZE * 0.25, growth
    assert growth["load"] < SIZE * 1.4, growth
