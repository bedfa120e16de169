"""Notebook summaries (client/display.py)."""

from __future__ import annotations

import pytest

from flowscope.client import DataArtifact, Flow, Metaflow, Run, Step, Task


@pytest.fixture
def hello(client, builder):
    return builder.hello(tags=["<script>alert(1)</script>"])


def test_run_summary(hello):
    page = Run(hello.pathspec)._repr_html_()
    assert "Run(&#x27;HelloFlow/1&#x27;)" in page and "succeeded" in page
    assert "UTC" in page
    for step in ("start", "hello", "end"):
        assert f"<td style='text-align:left'>{step}</td>" in page
    assert "_parameters" not in page


def test_everything_is_escaped(hello):
    for obj in (
        Flow("HelloFlow"),
        Run(hello.pathspec),
        Step(f"{hello.pathspec}/start"),
        Task(hello.task("start")),
    ):
        page = obj._repr_html_()
        assert "<script>" not in page
    assert "&lt;script&gt;" in Run(hello.pathspec)._repr_html_()


def test_flow_summary_lists_runs(client, builder):
    for _ in range(25):
        builder.hello()
    page = Flow("HelloFlow")._repr_html_()
    assert page.count("<tr><td") == 20 + 1  # 20 newest runs and a "more" row
    assert "<td style='text-align:left'>25</td>" in page and "…" in page


def test_step_summary_lists_tasks(client, builder):
    run = builder.foreach(3)
    page = Step(f"{run.pathspec}/square")._repr_html_()
    assert page.count("succeeded") == 3


def test_task_summary_lists_artifacts_with_sizes(hello):
    page = Task(hello.task("end"))._repr_html_()
    assert "result" in page and "builtins.list" in page and " B<" in page


def test_failed_task_summary_shows_the_exception(client, builder):
    run = builder.failed()
    page = Task(run.task("bad"))._repr_html_()
    assert "KeyError: &#x27;missing&#x27;" in page and "failed" in page


def test_artifact_and_root_summaries(hello):
    artifact = DataArtifact(hello.task("end") + "/result")
    page = artifact._repr_html_()
    assert artifact.sha in page and "builtins.list" in page
    assert "HelloFlow" in Metaflow()._repr_html_()


def test_run_summary_shows_the_command_line_escaped(client, builder):
    typed = builder.new_run("Cmd", command_line="python cmd.py run --x '<b>'")
    untyped = builder.new_run("Cmd")
    assert (
        "<code>python cmd.py run --x &#x27;&lt;b&gt;&#x27;</code>"
        in Run(typed.pathspec)._repr_html_()
    )
    assert "command" not in Run(untyped.pathspec)._repr_html_()
