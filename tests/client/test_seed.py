"""One test per statement of the seed document ("Inspecting Flows and Results"), written from
its text, with its examples run as written (import line changed only)."""

from __future__ import annotations

from datetime import datetime

import pytest

import flowscope
from flowscope import (
    DataArtifact,
    Flow,
    Metaflow,
    Run,
    Step,
    Task,
    get_metadata,
    metadata,
    namespace,
)
from flowscope.errors import FlowscopeError, NamespaceMismatch, ObjectNotFound


@pytest.fixture
def runs(client, builder):
    """HelloFlow runs 1 (alice) and 2 (alice, tagged), DebugFlow run 1, 2 (step `a`)."""
    builder.hello(tags=["first"])
    builder.hello(tags=["second"])
    debug1 = builder.new_run("DebugFlow")
    builder.finish(debug1)
    debug2 = builder.new_run("DebugFlow")
    builder.task(debug2, "start", {"x": 0})
    builder.task(debug2, "a", {"x": 42})
    builder.task(debug2, "end", {"x": 42})
    builder.finish(debug2)
    return builder


# "Note that all operations in the Client API are filtered by the current namespace"
def test_all_operations_are_filtered_by_the_current_namespace(runs):
    runs.hello(user="bob")
    assert [r.id for r in Flow("HelloFlow")] == ["2", "1"]
    namespace("user:bob")
    assert [r.id for r in Flow("HelloFlow")] == ["3"]
    namespace(None)
    assert [r.id for r in Flow("HelloFlow")] == ["3", "2", "1"]


# "You can import any of the objects shown above directly from the package"
def test_objects_import_directly_from_the_package():
    from flowscope import client

    for name in ("Metaflow", "Flow", "Run", "Step", "Task", "DataArtifact"):
        assert getattr(flowscope, name) is getattr(client, name)


# "The root object, Metaflow, can be instantiated simply with mf = Metaflow()"
def test_metaflow_root_instantiates(runs):
    mf = Metaflow()
    assert repr(mf) == "Metaflow()"


# "you can list all flows that have been run in the past with: print(Metaflow().flows)"
def test_metaflow_flows_lists_flows_run_in_the_past(runs, capsys):
    print(Metaflow().flows)
    assert {f.id for f in Metaflow().flows} == {"HelloFlow", "DebugFlow"}
    assert "Flow('HelloFlow')" in capsys.readouterr().out


# "You can list child objects of any parent object simply by iterating over the parent"
def test_listing_children_by_iterating(runs):
    flow = Flow("HelloFlow")
    runs_ = list(flow)
    assert all(isinstance(r, Run) for r in runs_) and len(runs_) == 2
    run = Run("HelloFlow/2")
    assert {s.id for s in run} == {"start", "hello", "end"}
    assert all(isinstance(t, Task) for t in Step("HelloFlow/2/start"))
    assert all(isinstance(a, DataArtifact) for a in Step("HelloFlow/2/start").task)


# "Expectedly, this works too: for run in flow: print(run)"
def test_for_run_in_flow_print_run(runs, capsys):
    flow = Flow("HelloFlow")
    for run in flow:
        print(run)
    assert capsys.readouterr().out.splitlines() == ["Run('HelloFlow/2')", "Run('HelloFlow/1')"]


# "You can access a specific child with square brackets ... keys are always strings"
def test_square_brackets_with_string_keys(runs):
    flow = Flow("HelloFlow")
    run = flow["2"]
    assert run == Run("HelloFlow/2")
    assert flow["2"]["start"] == Step("HelloFlow/2/start")
    with pytest.raises(FlowscopeError, match=r"flow\['2'\]"):
        flow[2]  # type: ignore[index]


# "you can instantiate every object directly with its fully qualified name, called pathspec"
def test_every_object_from_its_pathspec(runs):
    run = runs.hello()
    assert Flow("HelloFlow").id == "HelloFlow"
    assert Run(run.pathspec).id == str(run.run_id)
    assert Step(f"{run.pathspec}/start").id == "start"
    assert Task(run.task("start")).id == str(run.tasks["start"][0])
    assert DataArtifact(run.task("start") + "/x").data == 1


# "this operation is subject to the current namespace ... you will not be able to access a
# Flow that is not the current namespace; the error message ... will make it clear whether
# an object exists and is not in the namespace or does not exist at all."
def test_pathspec_access_is_subject_to_the_namespace_and_errors_differ(runs):
    runs.hello(flow="BobFlow", user="bob")
    with pytest.raises(NamespaceMismatch) as outside:
        Flow("BobFlow")
    with pytest.raises(ObjectNotFound) as missing:
        Flow("NoSuchFlow")
    assert "exists" in str(outside.value) and "namespace" in str(outside.value)
    assert "does not exist" in str(missing.value)
    assert str(outside.value) != str(missing.value)


# "You can instantiate, for example, a particular flow by its name"
def test_flow_by_name(runs):
    assert Flow("HelloFlow").pathspec == "HelloFlow"


# "You can instantiate a particular run of a flow by its run id: Run('HelloFlow/2')"
def test_run_by_id(runs):
    assert Run("HelloFlow/2").path_components == ["HelloFlow", "2"]


# "And every step in a run by its name: Step('HelloFlow/2/start')"
def test_step_by_name(runs):
    assert Step("HelloFlow/2/start").parent == Run("HelloFlow/2")


# "Each data artifact is represented by a DataArtifact object whose parent is a Task."
def test_data_artifact_parent_is_a_task(runs):
    artifact = DataArtifact(Run("HelloFlow/2")["start"].task.pathspec + "/x")
    assert isinstance(artifact.parent, Task)


# "DataArtifact is a container object for the actual value. Besides the value, DataArtifact
# includes metadata about the artifact, such as its time of creation."
def test_data_artifact_holds_value_and_creation_time(runs):
    artifact = Run("HelloFlow/2")["end"].task["result"]
    assert artifact.data == [1, 2, 3]
    assert isinstance(artifact.created_at, datetime) and artifact.created_at.tzinfo is not None


# "The .data property returns a container which has all artifacts produced by the task as
# attributes."
def test_task_data_has_all_artifacts_as_attributes(runs):
    data = Run("HelloFlow/2")["hello"].task.data
    assert (data.alpha, data.x, data.message) == (0.5, 2, "hi")
    assert {"alpha", "x", "message"} <= set(dir(data))


# "print(Step('DebugFlow/2/a').task.data.x)"
def test_shortest_way_to_a_value(runs, capsys):
    print(Step("DebugFlow/2/a").task.data.x)
    assert capsys.readouterr().out == "42\n"


# "Every object has the following properties available: tags, created_at, parent, pathspec,
# path_components"
@pytest.mark.parametrize(
    "make",
    [
        lambda: Flow("HelloFlow"),
        lambda: Run("HelloFlow/2"),
        lambda: Step("HelloFlow/2/start"),
        lambda: Run("HelloFlow/2")["start"].task,
        lambda: Run("HelloFlow/2")["start"].task["x"],
    ],
)
def test_common_properties_on_every_object(runs, make):
    obj = make()
    assert isinstance(obj.tags, frozenset)
    assert isinstance(obj.created_at, datetime)
    assert obj.pathspec == "/".join(obj.path_components)
    parent = obj.parent
    if isinstance(obj, Flow):
        assert parent is None
    else:
        assert parent.pathspec == "/".join(obj.path_components[:-1])
    if not isinstance(obj, Flow):
        assert "second" in obj.tags


# "To access an iterator over runs and filter by tags, use the runs() method."
def test_runs_filters_by_tags(runs):
    assert [r.id for r in Flow("HelloFlow").runs("first")] == ["1"]
    assert [r.id for r in Flow("HelloFlow").runs()] == ["2", "1"]


# "latest_run: Run of the latest run whether or not it has completed or has been successful"
def test_latest_run_whether_or_not_completed(runs):
    running = runs.hello(finish=False)
    latest = Flow("HelloFlow").latest_run
    assert latest is not None and latest.id == str(running.run_id) and not latest.finished


# "latest_successful_run: Run of the latest successful (and therefore completed) run."
def test_latest_successful_run(runs):
    runs.hello(finish=False)
    latest = Flow("HelloFlow").latest_successful_run
    assert latest is not None and latest.id == "2" and latest.successful and latest.finished


# "Note that any Run returned will be in the current namespace."
def test_latest_runs_are_in_the_current_namespace(runs):
    runs.hello(user="bob")
    assert Flow("HelloFlow").latest_run.id == "2"
    assert Flow("HelloFlow").latest_successful_run.id == "2"


# "To access an iterator over the steps of a run and filter by tags, use the steps() method."
def test_steps_filters_by_tags(runs):
    run = Run("HelloFlow/2")
    assert {s.id for s in run.steps("second")} == {"start", "hello", "end"}
    assert list(run.steps("first")) == []


# "data: ... the data object of the end task of this run"
def test_run_data_is_the_end_tasks_data(runs):
    assert Run("HelloFlow/2").data.result == [1, 2, 3]


# "successful: ... False if the run has not completed (ie: is still in progress)."
def test_run_successful_false_while_running(runs):
    running = runs.hello(finish=False)
    assert Run(running.pathspec).successful is False
    assert Run("HelloFlow/2").successful is True


# "finished: ... True whether or not the run was successful."
def test_run_finished_whether_or_not_successful(runs):
    failed = runs.failed()
    assert Run(failed.pathspec).finished is True
    assert Run(failed.pathspec).successful is False


# "finished_at: A datetime ... None if the run has not completed"
def test_run_finished_at(runs):
    running = runs.hello(finish=False)
    assert Run(running.pathspec).finished_at is None
    assert isinstance(Run("HelloFlow/2").finished_at, datetime)


# "code: In certain circumstances, the code used for this run is saved and persisted"
def test_run_code(runs):
    assert "class HelloFlow" in Run("HelloFlow/2").code.flowspec
    assert Run("DebugFlow/2").code is None


# "end_task: A quick access to the Task object of the last step in the run."
def test_run_end_task(runs):
    end = Run("HelloFlow/2").end_task
    assert isinstance(end, Task) and end.parent.id == "end"


# "A Step will have multiple Task objects as its children if it is a foreach step"
def test_foreach_step_has_many_tasks(client, builder):
    run = builder.foreach(5)
    assert len(list(Step(f"{run.pathspec}/square"))) == 5
    assert len(list(Step(f"{run.pathspec}/start"))) == 1


# "To access an iterator over the tasks of a step and filter by tags, use the tasks() method."
def test_tasks_filters_by_tags(runs):
    step = Step("HelloFlow/1/start")
    assert len(list(step.tasks("first"))) == 1
    assert list(step.tasks("second")) == []


# "task: Convenience method to return the unique Task associated with this Step. If a Step
# has more than one Task, this will return any of them"
def test_step_task(client, builder):
    run = builder.foreach(3)
    task = Step(f"{run.pathspec}/square").task
    assert task is not None and task.index == 0
    assert Step(f"{run.pathspec}/start").task.data.items == [0, 1, 2]


# "finished_at: ... A step is complete when all its tasks are complete."
def test_step_finished_at_when_all_tasks_complete(client, builder):
    run = builder.new_run("PartFlow")
    builder.task(run, "start", {})
    builder.task(run, "many", {}, foreach_index=0)
    builder.task(run, "many", status=None, foreach_index=1)
    assert Step(f"{run.pathspec}/start").finished_at is not None
    assert Step(f"{run.pathspec}/many").finished_at is None


# "environment_info: A dict object containing metadata for the execution environment."
def test_step_environment_info(runs):
    info = Step("HelloFlow/2/start").environment_info
    assert isinstance(info, dict) and info["python_version"] == "3.11.7"


# Task: data, artifacts, successful, finished, exception, finished_at, stdout, stderr, code,
# environment_info
def test_task_properties(runs):
    failed = runs.failed()
    task = Run("HelloFlow/2")["hello"].task
    assert task.data.message == "hi"
    assert task.artifacts.message.data == "hi"
    assert task.successful and task.finished and task.exception is None
    assert isinstance(task.finished_at, datetime)
    assert "hello world" in task.stdout and task.stderr == "a warning\n"
    assert "class HelloFlow" in task.code.flowspec
    assert task.environment_info["runtime"] == "local"
    bad = Run(failed.pathspec)["bad"].task
    assert not bad.successful and bad.finished
    assert bad.exception.type == "KeyError"


# "if step.task.successful: print(step.task.finished_at)"
def test_seed_example_successful_finished_at(runs, capsys):
    step = Step("DebugFlow/2/a")
    if step.task.successful:
        print(step.task.finished_at)
    assert capsys.readouterr().out.strip().endswith("+00:00")


# "get_metadata()" / "metadata('/Users/bob/metaflow')" / "changing the metadata provider is
# a global operation and all subsequent client operations will use the metadata provider"
def test_metadata_provider_switch_is_global(runs, tmp_path_factory):
    from flowscope.metastore.local import open_local

    other = tmp_path_factory.mktemp("other")
    open_local(other / ".flowscope", create=True).close()
    before = get_metadata()
    assert before.startswith(("local@", "service@"))
    assert metadata(str(other)) == f"local@{other / '.flowscope'}"
    assert get_metadata() == f"local@{other / '.flowscope'}"
    assert Metaflow().flows == []
    metadata(before)
    assert Metaflow().flows != []


# "metadata('https://localhost:5000/mymetaflowservice')": a service that does not answer is
# an error at that call, and the previous provider stays in force
def test_metadata_service_unreachable_is_an_error_at_that_call(runs):
    import time

    before = get_metadata()
    started = time.monotonic()
    with pytest.raises(FlowscopeError):
        metadata("http://127.0.0.1:9/mymetaflowservice")
    assert time.monotonic() - started < 30
    assert get_metadata() == before


# "from metaflow import get_metadata, metadata": the top-level name must be the function, even
# after the metadata-store subpackage was imported (which is why it is called `metastore`: a
# subpackage named `metadata` would replace the function as an attribute of the package).
def test_top_level_metadata_is_the_function():
    import flowscope.metastore.records
    from flowscope import metadata as top_level

    assert callable(top_level) and top_level is flowscope.client.metadata
