"""Task: status, attempts, exception, logs, facts, environment and caching (client/task.py)."""

from __future__ import annotations

import json

import pytest

from flowscope.client import Run, Step, Task
from flowscope.client.values import LogLine, Metadata, TaskException
from flowscope.errors import ObjectNotFound
from flowscope.metastore.new_records import AttemptResult


@pytest.fixture
def hello(client, builder):
    return builder.hello()


@pytest.fixture
def failed(client, builder):
    return builder.failed()


def test_artifacts_newest_first_and_hidden_names(hello):
    task = Task(hello.task("start"))
    assert sorted(a.id for a in task) == ["alpha", "x"]
    assert "_internal" in task and task["_internal"].data == "hidden"
    assert "_internal" in task.data and task.data._internal == "hidden"
    assert "_internal" not in dir(task.data)


def test_exception(failed):
    exc = Task(failed.task("bad")).exception
    assert isinstance(exc, TaskException)
    assert (exc.type, exc.message) == ("KeyError", "'missing'")
    assert "line 20, in bad" in exc.traceback
    assert str(exc).endswith("KeyError: 'missing'") and "Traceback" in str(exc)
    assert repr(exc) == "TaskException(type='KeyError', message=\"'missing'\")"
    assert Task(failed.task("start")).exception is None


def test_attempts(failed):
    flaky = failed.task("flaky")
    latest = Task(flaky)
    assert latest.current_attempt == 1 and latest.successful and latest.exception is None
    first = Task(flaky, attempt=0)
    assert first.current_attempt == 0 and not first.successful
    assert first.exception.message == "failure in attempt 0"
    assert first.metadata_dict["attempt"] == "0" and latest.metadata_dict["attempt"] == "1"
    assert first != latest
    assert Task(flaky, attempt=1) != latest and Task(flaky, attempt=1).successful


def test_a_missing_attempt_names_the_attempts_there_are(failed):
    with pytest.raises(ObjectNotFound, match="attempts are 0 to 1"):
        Task(failed.task("flaky"), attempt=5)


def test_artifacts_of_an_earlier_attempt(client, builder):
    run = builder.new_run("RetryFlow")
    builder.task(run, "start", {"x": "final"}, attempts=3, status="failed")
    assert Task(run.task("start")).data.x == "final"
    assert "x" not in Task(run.task("start"), attempt=0).data
    artifact = Task(run.task("start"), attempt=2)["x"]
    assert artifact.data == "final"
    assert artifact.parent == Task(run.task("start"), attempt=2)


def test_stdout_and_stderr(hello):
    task = Task(hello.task("hello"))
    assert task.stdout == "hello world\nattempt 0\n"
    assert task.stderr == "a warning\n"
    assert Task(hello.task("end")).stdout == ""


def test_loglines_are_timestamped(hello):
    lines = list(Task(hello.task("hello")).loglines("stdout"))
    assert [line.line for line in lines] == ["hello world", "attempt 0"]
    assert all(isinstance(line, LogLine) for line in lines)
    assert lines[0].timestamp <= lines[1].timestamp
    when, text = lines[0]
    assert text == "hello world" and when.tzinfo is not None


def test_unknown_log_stream(hello):
    with pytest.raises(ValueError, match="stdout"):
        list(Task(hello.task("hello")).loglines("stdlog"))


def test_live_logs_of_a_running_task(client, builder):
    if client.live_dir is None:  # the service sees a task's logs once the attempt has finished
        run = builder.running()
        assert Task(run.task("slow")).stdout == ""
        return
    from flowscope.logs import encode_line
    from flowscope.metastore.store import live_log_path

    run = builder.running()
    tid = run.tasks["slow"][0]
    path = live_log_path(client.live_dir, run.flow, run.run_id, tid, 0, "stdout")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(encode_line(1.0, "first"))
    task = Task(run.task("slow"))
    assert task.stdout == "first\n"
    with path.open("ab") as f:
        f.write(encode_line(2.0, "second"))
    assert task.stdout == "first\nsecond\n"  # a running task's log is read again


def test_metadata_and_metadata_dict(hello):
    task = Task(hello.task("start"))
    facts = task.metadata
    assert all(isinstance(m, Metadata) and m.task == task for m in facts)
    assert task.metadata_dict == {"attempt": "0", "hostname": "host1", "pid": "1000"}
    assert facts is not task.metadata


def test_origin_pathspec(client, builder):
    run = builder.new_run("Resumed")
    builder.task(run, "start", {}, origin_pathspec="Resumed/1/start/1")
    builder.task(run, "end", {})
    assert Task(run.task("start")).origin_pathspec == "Resumed/1/start/1"
    assert Task(run.task("start")).metadata_dict["origin-pathspec"] == "Resumed/1/start/1"
    assert Task(run.task("end")).origin_pathspec is None


def test_index(client, builder):
    run = builder.foreach(3)
    assert sorted(t.index for t in Step(f"{run.pathspec}/square")) == [0, 1, 2]
    assert Task(run.task("start")).index is None


def test_environment_info(hello):
    info = Task(hello.task("start")).environment_info
    assert info["python_version"] == "3.11.7" and info["runtime"] == "local"
    info["python_version"] = "changed"
    assert Task(hello.task("start")).environment_info["python_version"] == "3.11.7"


def test_code(hello):
    code = Task(hello.task("start")).code
    assert code is not None and code.script_name == "flow.py"


def test_parent(hello):
    task = Task(hello.task("hello"))
    assert task.parent == Step(f"{hello.pathspec}/hello")
    assert task.parent.parent == Run(hello.pathspec)


# ---- caching ---------------------------------------------------------------------------


def test_a_finished_task_does_not_query_again(hello, counting):
    task = Task(hello.task("hello"))
    _ = (task.status, task.data.x, task.metadata, task.stdout, task.environment_info)
    counting.calls.clear()
    for _ in range(3):
        _ = (
            task.status,
            task.successful,
            task.finished,
            task.finished_at,
            task.exception,
            task.tags,
            task.index,
            task.metadata_dict,
            task.stdout,
            dir(task.data),
            "x" in task.data,
            [a.sha for a in task],
            task.environment_info,
        )
    assert counting.calls.get("get_task", 0) == 0
    assert counting.calls.get("list_artifacts", 0) == 0
    assert counting.calls.get("list_facts", 0) == 0
    assert counting.calls.get("get_run", 0) == 0


def test_a_running_task_is_asked_again(client, builder, counting):
    run = builder.running()
    task = Task(run.task("slow"))
    assert task.status == "running"
    counting.calls.clear()
    assert task.status == "running" and not task.finished
    assert counting.calls["get_task"] == 2
    builder.provider.finish_attempts(
        run.flow,
        run.run_id,
        [
            AttemptResult(
                run.tasks["slow"][0],
                0,
                "succeeded",
                finished_at=builder.tick(),
                artifacts=builder.artifacts({"done": True}),
            )
        ],
    )
    assert task.successful and task.data.done is True
    counting.calls.clear()
    assert task.successful and task.data.done
    assert counting.calls.get("get_task", 0) == 0 and counting.calls.get("list_artifacts", 0) == 0


def test_refresh_refetches_a_finished_task(hello, counting):
    task = Task(hello.task("hello"))
    _ = task.status, task.data.x
    counting.calls.clear()
    task.refresh()
    _ = task.status, task.data.x
    assert counting.calls["get_task"] == 1 and counting.calls["list_artifacts"] == 1


def test_status_and_listings_load_no_blobs(client, builder, monkeypatch):
    run = builder.hello()
    builder.failed()
    from flowscope import datastore
    from flowscope.datastore import ContentStore

    def refuse(*args, **kwargs):
        raise AssertionError("a blob was read")

    monkeypatch.setattr(ContentStore, "get", refuse)
    monkeypatch.setattr(ContentStore, "open", refuse)
    monkeypatch.setattr(datastore, "load_artifact", refuse)
    from flowscope.client import Flow

    for r in Flow("HelloFlow"):
        _ = (r.status, r.finished, r.successful, r.finished_at, r.created_at, r.tags)
        for step in r:
            _ = (step.finished_at, step.created_at)
            for task in step:
                _ = (
                    task.status,
                    task.finished,
                    task.finished_at,
                    task.index,
                    task.exception,
                    task.metadata_dict,
                    dir(task.data),
                    len(task),
                )
                for artifact in task:
                    _ = (artifact.sha, artifact.size, artifact.created_at, artifact.type_name)
    assert Flow("HelloFlow").latest_successful_run.id == str(run.run_id)
    assert Flow("FailFlow").latest_successful_run is None
    for obj in (
        Flow("HelloFlow"),
        Run(run.pathspec),
        Step(f"{run.pathspec}/start"),
        Task(run.task("start")),
        Task(run.task("start"))["x"],
    ):
        obj._repr_html_()


LINEAGE_SCRIPT = """from flowscope import FlowSpec, step


class Base(FlowSpec):
    @step
    def end(self):
        pass


class LineageFlow(Base):
    @step
    def start(self):
        self.next(self.a, self.b)

    @step
    def a(self):
        self.next(self.join1)

    @step
    def b(self):
        self.next(self.join1)

    @step
    def join1(self, inputs):
        self.items = [1, 2, 3]
        self.next(self.body, foreach="items")

    @step
    def body(self):
        self.next(self.join2)

    @step
    def join2(self, inputs):
        self.next(self.end)
"""


@pytest.fixture
def lineage_run(client, builder):
    """start splits into a and b, joined by join1, which fans out over three items (body),
    joined by join2; end is inherited from a base class in the same file."""
    run = builder.new_run("LineageFlow", code={"flow.py": LINEAGE_SCRIPT})
    builder.task(run, "_parameters", {})
    builder.task(run, "start", {})
    builder.task(run, "a", {}, stack=[("start", 0, 2, False)])
    builder.task(run, "b", {}, stack=[("start", 1, 2, False)])
    builder.task(run, "join1", {})
    for i in range(3):
        builder.task(run, "body", {}, foreach_index=i, stack=[("join1", i, 3, True)])
    builder.task(run, "join2", {})
    builder.task(run, "end", {})
    return builder.finish(run)


def test_lineage_through_a_split_a_foreach_and_their_joins(lineage_run):
    run = lineage_run
    bodies = [run.task("body", i) for i in range(3)]
    assert list(Task(run.task("start")).parent_task_pathspecs) == []
    assert list(Task(run.task("start")).child_task_pathspecs) == [run.task("a"), run.task("b")]
    assert list(Task(run.task("a")).parent_task_pathspecs) == [run.task("start")]
    assert list(Task(run.task("join1")).parent_task_pathspecs) == [run.task("a"), run.task("b")]
    assert list(Task(run.task("join1")).child_task_pathspecs) == bodies
    for pathspec in bodies:
        assert list(Task(pathspec).parent_task_pathspecs) == [run.task("join1")]
        assert list(Task(pathspec).child_task_pathspecs) == [run.task("join2")]
    assert list(Task(run.task("join2")).parent_task_pathspecs) == bodies
    assert list(Task(run.task("end")).parent_task_pathspecs) == [run.task("join2")]
    assert list(Task(run.task("end")).child_task_pathspecs) == []


def test_parent_and_child_tasks_are_task_objects(lineage_run):
    join1 = Task(lineage_run.task("join1"))
    parents = list(join1.parent_tasks)
    assert parents == [Task(lineage_run.task("a")), Task(lineage_run.task("b"))]
    assert all(isinstance(t, Task) and t.successful for t in parents)
    children = list(join1.child_tasks)
    assert [t.index for t in children] == [0, 1, 2]
    assert [t.pathspec for t in children] == [lineage_run.task("body", i) for i in range(3)]


def test_lineage_without_a_code_package_is_a_clear_error(client, builder):
    from flowscope.errors import FlowDefinitionError

    run = builder.foreach(2)  # recorded without a code package or a step graph
    with pytest.raises(FlowDefinitionError, match="no step graph and has no code package"):
        list(Task(run.task("start")).child_tasks)


LINEAGE_GRAPH = {
    "start": ["a", "b"],
    "a": ["join1"],
    "b": ["join1"],
    "join1": ["body"],
    "body": ["join2"],
    "join2": ["end"],
    "end": [],
}


def _graph_run(builder, graph_fact: str, code: dict[str, str] | None = None):
    """The lineage_run shape, its step graph recorded on its parameters task."""
    run = builder.new_run("LineageFlow", code=code)
    builder.task(run, "_parameters", {}, facts={"step-graph": graph_fact})
    builder.task(run, "start", {})
    builder.task(run, "a", {}, stack=[("start", 0, 2, False)])
    builder.task(run, "b", {}, stack=[("start", 1, 2, False)])
    builder.task(run, "join1", {})
    for i in range(3):
        builder.task(run, "body", {}, foreach_index=i, stack=[("join1", i, 3, True)])
    builder.task(run, "join2", {})
    builder.task(run, "end", {})
    return builder.finish(run)


def test_lineage_reads_the_graph_recorded_with_the_run_without_a_code_package(client, builder):
    run = _graph_run(builder, json.dumps(LINEAGE_GRAPH))
    bodies = [run.task("body", i) for i in range(3)]
    assert list(Task(run.task("start")).child_task_pathspecs) == [run.task("a"), run.task("b")]
    assert list(Task(run.task("join1")).parent_task_pathspecs) == [run.task("a"), run.task("b")]
    assert list(Task(run.task("join1")).child_task_pathspecs) == bodies
    assert list(Task(run.task("join2")).parent_task_pathspecs) == bodies
    assert [t.pathspec for t in Task(run.task("end")).parent_tasks] == [run.task("join2")]


def test_the_recorded_graph_wins_over_the_code_package(client, builder):
    # the package's source says start -> a, b; the run recorded start -> a only (the graph
    # it ran), so b is no child of start
    graph = {**LINEAGE_GRAPH, "start": ["a"]}
    run = _graph_run(builder, json.dumps(graph), code={"flow.py": LINEAGE_SCRIPT})
    assert list(Task(run.task("start")).child_task_pathspecs) == [run.task("a")]
    assert list(Task(run.task("b")).parent_task_pathspecs) == []


@pytest.mark.parametrize("fact", ["not json", "[1, 2]", '{"start": "a"}', '{"start": [1]}'])
def test_a_malformed_recorded_graph_is_a_clear_error(client, builder, fact):
    from flowscope.errors import FlowDefinitionError

    run = _graph_run(builder, fact, code={"flow.py": LINEAGE_SCRIPT})
    with pytest.raises(FlowDefinitionError, match="step graph recorded with .* is malformed"):
        list(Task(run.task("start")).child_tasks)


def test_cloned_tasks_carry_origin_run_and_task_ids(client, builder):
    first = builder.hello()
    run = builder.new_run("HelloFlow", origin_run_id=first.run_id)
    builder.task(run, "_parameters", {})
    builder.task(run, "start", {}, origin_pathspec=first.task("start"))
    builder.task(run, "hello", {})
    cloned = Task(run.task("start")).metadata_dict
    assert cloned["origin-run-id"] == str(first.run_id)
    assert cloned["origin-task-id"] == str(first.tasks["start"][0])
    rerun = Task(run.task("hello")).metadata_dict
    assert rerun["origin-run-id"] == str(first.run_id) and "origin-task-id" not in rerun
    assert "origin-run-id" not in Task(first.task("start")).metadata_dict
