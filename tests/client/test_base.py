"""Identity, pickling, common properties and hostile addresses (client/base.py)."""

from __future__ import annotations

import pickle
from datetime import timezone

import pytest

from flowscope.client import DataArtifact, Flow, Metaflow, Run, Step, Task, namespace
from flowscope.errors import InvalidPathspec, NamespaceMismatch, ObjectNotFound


@pytest.fixture
def hello(client, builder):
    return builder.hello()


def all_objects(run):
    task = run.task("start")
    return [
        Flow(run.flow),
        Run(run.pathspec),
        Step(f"{run.pathspec}/start"),
        Task(task),
        DataArtifact(f"{task}/x"),
    ]


# ---- identity ------------------------------------------------------------------------


def test_repr_is_the_constructor_call(hello):
    assert repr(Run(hello.pathspec)) == f"Run('{hello.pathspec}')"
    assert repr(Task(hello.task("start"), attempt=0)) == f"Task('{hello.task('start')}', attempt=0)"
    assert str(Flow("HelloFlow")) == "Flow('HelloFlow')"


def test_equal_and_hash_by_class_pathspec_and_attempt(hello):
    a, b = Run(hello.pathspec), Flow("HelloFlow")[str(hello.run_id)]
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1
    assert Task(hello.task("start")) != Task(hello.task("start"), attempt=0)
    assert Flow("HelloFlow") != Run(hello.pathspec)
    assert Run(hello.pathspec) != hello.pathspec


def test_id_pathspec_and_path_components(hello):
    for obj in all_objects(hello):
        assert obj.id == obj.path_components[-1]
        assert obj.pathspec == "/".join(obj.path_components)


def test_path_components_is_a_new_list_each_call(hello):
    run = Run(hello.pathspec)
    first = run.path_components
    first.append("mutated")
    assert run.path_components == ["HelloFlow", str(hello.run_id)]
    assert run.path_components is not run.path_components


def test_parent_chain(hello):
    artifact = all_objects(hello)[-1]
    assert artifact.parent.parent.parent.parent == Flow("HelloFlow")
    assert artifact.parent.parent.parent.parent.parent is None


def test_tags_of_children_are_the_runs_tags(client, builder):
    run = builder.hello(tags=["exp"])
    tags = Run(run.pathspec).tags
    assert "exp" in tags and "user:alice" in tags
    for obj in all_objects(run)[1:]:
        assert obj.tags == tags
        assert obj.user_tags == {"exp"}
        assert "user:alice" in obj.system_tags and "exp" not in obj.system_tags
    assert Flow("HelloFlow").tags == frozenset()


def test_datetimes_are_timezone_aware_utc(hello):
    for obj in all_objects(hello):
        assert obj.created_at.tzinfo is timezone.utc
    run = Run(hello.pathspec)
    assert run.finished_at.tzinfo is timezone.utc
    task = Task(hello.task("start"))
    assert task.finished_at.tzinfo is timezone.utc
    assert all(m.created_at.tzinfo is timezone.utc for m in task.metadata)
    assert all(line.timestamp.tzinfo is timezone.utc for line in task.loglines("stdout"))


def test_created_at_matches_the_recorded_time(client, builder):
    run = builder.new_run("TimeFlow", created_at=1_700_000_000.5)
    builder.finish(run)
    assert Run(run.pathspec).created_at.timestamp() == 1_700_000_000.5


def test_the_common_properties_are_the_base_classes(hello):
    from flowscope.client.base import ClientObject

    shared = ("id", "pathspec", "path_components", "parent", "created_at", "tags")
    shared += ("user_tags", "system_tags", "origin_pathspec", "namespace")
    for obj in all_objects(hello):
        for name in shared:
            assert name not in type(obj).__dict__, (type(obj).__name__, name)
            assert isinstance(getattr(ClientObject, name), property)
            getattr(obj, name)  # answers for every kind


def test_origin_pathspec_of_each_kind(client, builder):
    run = builder.new_run("Resumed")
    builder.task(run, "start", {"x": 1}, origin_pathspec="Resumed/1/start/1")
    builder.task(run, "end", {"y": 2})
    builder.finish(run)
    assert Flow("Resumed").origin_pathspec is None
    assert Step(f"{run.pathspec}/start").origin_pathspec is None
    assert DataArtifact(f"{run.task('start')}/x").origin_pathspec == "Resumed/1/start/1/x"
    assert Task(run.task("start"))["x"].origin_pathspec == "Resumed/1/start/1/x"
    assert DataArtifact(f"{run.task('end')}/y").origin_pathspec is None


def test_a_parent_reuses_the_records_its_child_holds(hello, counting):
    artifact = DataArtifact(f"{hello.task('start')}/x", attempt=0)
    counting.calls.clear()
    task = artifact.parent
    assert task == Task(hello.task("start"), attempt=0) and task.current_attempt == 0
    counting.calls.clear()
    step = task.parent
    _ = (task.status, task.tags, step.tags, step.parent.tags, step.parent.status)
    assert counting.total() == 0


# ---- pickling ------------------------------------------------------------------------


def test_every_object_pickles_by_address(hello):
    for obj in all_objects(hello) + [Task(hello.task("start"), attempt=0)]:
        back = pickle.loads(pickle.dumps(obj))
        assert back == obj and type(back) is type(obj) and back.tags == obj.tags
        assert len(pickle.dumps(obj)) < 500


def test_unpickled_run_navigates(hello):
    back = pickle.loads(pickle.dumps(Run(hello.pathspec)))
    assert back["end"].task.data.result == [1, 2, 3]


def test_run_stored_inside_another_pickled_object(hello):
    holder = {"best": Run(hello.pathspec), "others": [Flow("HelloFlow")]}
    back = pickle.loads(pickle.dumps(holder))
    assert back["best"].data.x == 3
    assert back["others"][0].latest_run == back["best"]


def test_unpickled_objects_keep_their_namespace(client, builder):
    builder.hello(user="bob")
    namespace(None)
    run = Flow("HelloFlow").latest_run
    data = pickle.dumps(run)
    namespace("user:alice")
    back = pickle.loads(data)
    assert back.namespace is None and back.data.x == 3


def test_unpickling_shares_one_provider_per_address(hello):
    runs = pickle.loads(pickle.dumps([Run(hello.pathspec)] * 3 + [Flow("HelloFlow")]))
    assert len({id(r._provider) for r in runs}) == 1


def test_pickled_in_another_process_reopens_the_provider(hello, tmp_path):
    import subprocess
    import sys

    path = tmp_path / "run.pkl"
    path.write_bytes(pickle.dumps(Run(hello.pathspec)))
    code = (
        "import pickle, sys; run = pickle.loads(open(sys.argv[1], 'rb').read()); "
        "print(run.data.result, run.successful)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True, cwd="/"
    )
    assert out.stdout.strip() == "[1, 2, 3] True"


def test_metaflow_root_pickles(hello):
    back = pickle.loads(pickle.dumps(Metaflow()))
    assert back == Metaflow() and [f.id for f in back.flows] == ["HelloFlow"]


# ---- hostile addresses -----------------------------------------------------------------

BAD_PATHSPECS = [
    "",
    "/",
    "HelloFlow/",
    "/HelloFlow",
    "HelloFlow//start",
    "..",
    "../etc",
    "HelloFlow/..",
    "HelloFlow/1/../../x",
    "Hello Flow",
    "HelloFlow\x00",
    "HelloFlow/1\x00",
    "x" * 500,
    "HelloFlow/" + "9" * 300,
    "HelloFlow/1 OR 1=1",
    "HelloFlow/1;DROP TABLE runs",
    "HelloFlow/-1",
    "HelloFlow/0",
    "HelloFlow/01",
    "HelloFlow/1.5",
    "HelloFlow/abc",
    "HelloFlow/１",
    "HelloFlow/1/start/2/x/y",
    "Hello%Flow",
    "'; --",
]


@pytest.mark.parametrize("pathspec", BAD_PATHSPECS)
def test_hostile_run_pathspecs_are_invalid(hello, pathspec):
    with pytest.raises(InvalidPathspec) as err:
        Run(pathspec)
    assert "Run('FlowName/RunID')" in str(err.value) or "id" in str(err.value)


@pytest.mark.parametrize(
    "cls,pathspec,form",
    [
        (Flow, "A/1", "Flow('FlowName')"),
        (Run, "A", "Run('FlowName/RunID')"),
        (Step, "A/1", "Step('FlowName/RunID/StepName')"),
        (Task, "A/1/start", "Task('FlowName/RunID/StepName/TaskID')"),
        (
            DataArtifact,
            "A/1/start/2",
            "DataArtifact('FlowName/RunID/StepName/TaskID/ArtifactName')",
        ),
    ],
)
def test_wrong_number_of_parts_shows_the_expected_form(hello, cls, pathspec, form):
    with pytest.raises(InvalidPathspec, match=form.replace("(", r"\(").replace(")", r"\)")):
        cls(pathspec)


@pytest.mark.parametrize("value", [None, 7, b"HelloFlow/1", ["HelloFlow", "1"], 1.0])
def test_non_string_pathspecs_are_invalid(hello, value):
    with pytest.raises(InvalidPathspec):
        Run(value)  # type: ignore[arg-type]


@pytest.mark.parametrize("key", ["..", "1/2", "1\x00", "1 OR 1=1", "0", "-1", "9" * 300, ""])
def test_hostile_keys(hello, key):
    flow = Flow("HelloFlow")
    with pytest.raises(InvalidPathspec):
        flow[key]
    assert key not in flow


@pytest.mark.parametrize("key", [1, None, 1.0, ("1",), b"1"])
def test_non_string_keys_are_refused_with_a_hint(hello, key):
    flow = Flow("HelloFlow")
    with pytest.raises(InvalidPathspec, match="string"):
        flow[key]  # type: ignore[index]
    with pytest.raises(InvalidPathspec):
        key in flow  # noqa: B015


@pytest.mark.parametrize("attempt", [-1, "0", 1.0, True])
def test_bad_attempts_are_refused(hello, attempt):
    with pytest.raises(InvalidPathspec, match="attempt"):
        Task(hello.task("start"), attempt=attempt)  # type: ignore[arg-type]


def test_store_survives_hostile_input(hello):
    for bad in ("HelloFlow/1 OR 1=1", "HelloFlow/1'; DROP TABLE runs; --"):
        with pytest.raises(InvalidPathspec):
            Run(bad)
    assert Run(hello.pathspec).successful


# ---- not found and namespace errors ----------------------------------------------------


@pytest.mark.parametrize(
    "make,message",
    [
        (lambda r: Flow("NoFlow"), "Flow('NoFlow') does not exist"),
        (lambda r: Run("HelloFlow/99"), "Run('HelloFlow/99') does not exist"),
        (lambda r: Step(f"{r.pathspec}/nostep"), "Step('HelloFlow/1/nostep') does not exist"),
        (lambda r: Task(f"{r.pathspec}/start/999"), "Task('HelloFlow/1/start/999') does not exist"),
        (lambda r: DataArtifact(r.task("start") + "/nothing"), "does not exist"),
    ],
)
def test_missing_objects_raise_object_not_found_naming_them(hello, make, message):
    with pytest.raises(ObjectNotFound) as err:
        make(hello)
    assert message in str(err.value)
    assert isinstance(err.value, KeyError)


def test_task_under_the_wrong_step_does_not_exist(hello):
    with pytest.raises(ObjectNotFound):
        Task(f"{hello.pathspec}/end/{hello.tasks['start'][0]}")


def test_parent_bracket_raises_key_error(hello):
    with pytest.raises(KeyError, match=r"Run\('HelloFlow/9'\) does not exist"):
        Flow("HelloFlow")["9"]
    with pytest.raises(KeyError):
        Run(hello.pathspec)["nostep"]
    with pytest.raises(KeyError):
        Step(f"{hello.pathspec}/start")["12345"]
    with pytest.raises(KeyError):
        Task(hello.task("start"))["nothing"]


def test_misspelled_names_get_a_suggestion(hello):
    with pytest.raises(ObjectNotFound, match="did you mean 'HelloFlow'"):
        Flow("HeloFlow")
    with pytest.raises(ObjectNotFound, match="did you mean 'hello'"):
        Step(f"{hello.pathspec}/helo")
    with pytest.raises(ObjectNotFound, match="did you mean 'message'"):
        Task(hello.task("hello"))["mesage"]


@pytest.mark.parametrize(
    "make",
    [
        lambda r: Run(r.pathspec),
        lambda r: Step(f"{r.pathspec}/start"),
        lambda r: Task(r.task("start")),
        lambda r: DataArtifact(r.task("start") + "/x"),
        lambda r: Flow(r.flow),
    ],
)
def test_objects_outside_the_namespace(client, builder, make):
    bob = builder.hello("BobFlow", user="bob")
    with pytest.raises(NamespaceMismatch) as err:
        make(bob)
    text = str(err.value)
    assert "'user:alice'" in text and "namespace(None)" in text and "namespace('user:bob')" in text
    assert "BobFlow" in text and "exists" in text
    namespace(None)
    assert make(bob).pathspec.startswith("BobFlow")


def test_namespace_and_not_found_messages_differ(client, builder):
    builder.hello(user="bob")
    with pytest.raises(NamespaceMismatch) as outside:
        Run("HelloFlow/1")
    with pytest.raises(ObjectNotFound) as missing:
        Run("HelloFlow/2")
    assert "exists" in str(outside.value) and "does not exist" in str(missing.value)
    assert not isinstance(outside.value, KeyError)


def test_bracket_access_outside_the_namespace(client, builder):
    builder.hello(user="alice")
    builder.hello(user="bob")
    flow = Flow("HelloFlow")
    with pytest.raises(NamespaceMismatch):
        flow["2"]
    assert "2" not in flow and "1" in flow
