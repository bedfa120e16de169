"""Run: status, steps, data, code, tags (client/run.py)."""

from __future__ import annotations

import pytest

from flowscope.client import Flow, Run, Step, Task, namespace
from flowscope.errors import ObjectNotFound, TagError


def test_steps_newest_first_and_internal_steps_hidden(client, builder):
    run = builder.hello()
    r = Run(run.pathspec)
    assert [s.id for s in r] == ["end", "hello", "start"]
    assert "_parameters" in r
    assert r["_parameters"].task.data.alpha == 0.5
    assert "_parameters" not in [s.id for s in r.steps()]


def test_refresh_drops_the_cache(client, builder):
    recorded = builder.hello()
    run = Run(recorded.pathspec)
    assert "later" not in run.tags
    builder.provider.update_tags(recorded.flow, recorded.run_id, add=["later"])
    assert "later" not in run.tags  # cached
    run.refresh()
    assert "later" in run.tags


def test_data_is_the_end_tasks_data(client, builder):
    run = Run(builder.hello().pathspec)
    assert run.data.result == [1, 2, 3] and run.data.message == "hi"
    assert run.end_task == run["end"].task


def test_parameters(client, builder):
    run = Run(builder.hello(alpha=0.25).pathspec)
    assert run.parameters == {"alpha": 0.25}


def test_code_is_none_when_not_saved(client, builder):
    recorded = builder.new_run("NoCode")
    builder.finish(recorded)
    assert Run(recorded.pathspec).code is None


def test_command_line_is_the_one_recorded(client, builder):
    typed = builder.new_run("Cmd", command_line="python cmd.py run --alpha 'a b'")
    untyped = builder.new_run("Cmd")
    assert Run(typed.pathspec).command_line == "python cmd.py run --alpha 'a b'"
    assert Run(untyped.pathspec).command_line is None


def test_origin_pathspec_is_none_for_runs_not_resumed(client, builder):
    assert Run(builder.hello().pathspec).origin_pathspec is None


def test_steps_filter(client, builder):
    run = Run(builder.hello(tags=["t"]).pathspec)
    assert len(list(run.steps("t"))) == 3
    assert len(list(run.steps("t", "user:alice"))) == 3
    assert list(run.steps("t", "other")) == []
    with pytest.raises(TagError):
        run.steps("")


def test_step_lookup(client, builder):
    run = Run(builder.hello().pathspec)
    assert run["start"] == Step(f"{run.pathspec}/start")
    assert "start" in run and "nostep" not in run
    with pytest.raises(ObjectNotFound, match="did you mean 'hello'"):
        run["helo"]


def test_user(client, builder):
    assert Run(builder.hello().pathspec).user == "alice"


# ---- tags ------------------------------------------------------------------------------


@pytest.fixture
def tagged(client, builder):
    return Run(builder.hello(tags=["a", "b"]).pathspec)


def test_add_tag_and_tags(tagged):
    tagged.add_tag("c")
    tagged.add_tags(["d", "e"])
    assert {"a", "b", "c", "d", "e"} <= tagged.user_tags
    assert Run(tagged.pathspec).user_tags == {"a", "b", "c", "d", "e"}


def test_remove_tag_and_tags(tagged):
    tagged.remove_tag("a")
    assert Run(tagged.pathspec).user_tags == {"b"}
    tagged.remove_tags(["b", "not-there"])
    assert Run(tagged.pathspec).user_tags == frozenset()


def test_replace_tag_and_tags(tagged):
    tagged.replace_tag("a", "x")
    assert Run(tagged.pathspec).user_tags == {"b", "x"}
    tagged.replace_tags(["b", "x"], ["y", "z"])
    assert Run(tagged.pathspec).user_tags == {"y", "z"}


def test_system_tags_cannot_be_removed_and_nothing_changes(tagged):
    with pytest.raises(TagError, match="system tag") as err:
        tagged.remove_tags(["a", "user:alice"])
    assert "Nothing was changed" in str(err.value)
    assert Run(tagged.pathspec).user_tags == {"a", "b"}
    with pytest.raises(TagError):
        tagged.replace_tag("runtime:local", "x")
    assert "x" not in Run(tagged.pathspec).tags
    assert "runtime:local" in Run(tagged.pathspec).system_tags


@pytest.mark.parametrize("bad", ["", "   ", "x" * 501, None, 5, "a\x00b"])
def test_invalid_tags_are_refused_and_nothing_changes(tagged, bad):
    with pytest.raises(TagError):
        tagged.add_tag(bad)  # type: ignore[arg-type]
    with pytest.raises(TagError):
        tagged.add_tags(["ok", bad])  # type: ignore[list-item]
    with pytest.raises(TagError):
        tagged.replace_tag("a", bad)  # type: ignore[arg-type]
    assert Run(tagged.pathspec).user_tags == {"a", "b"}


def test_a_single_string_is_not_a_list_of_tags(tagged):
    with pytest.raises(TagError, match="add_tag"):
        tagged.add_tags("abc")


def test_tags_of_500_characters_and_unicode_are_fine(tagged):
    long, uni = "x" * 500, "données:été-✓"
    tagged.add_tags([long, uni])
    assert {long, uni} <= Run(tagged.pathspec).user_tags
    assert [r.id for r in Flow("HelloFlow").runs(uni)] == [tagged.id]


def test_tag_changes_never_change_created_at(tagged):
    before = tagged.created_at
    tagged.add_tag("c")
    tagged.remove_tag("c")
    assert Run(tagged.pathspec).created_at == before


def test_tagged_runs_can_be_found_by_their_new_tag(tagged):
    tagged.add_tag("promoted")
    assert [r.id for r in Flow("HelloFlow").runs("promoted")] == [tagged.id]
    namespace("promoted")
    assert Flow("HelloFlow").latest_run == tagged


def test_children_report_new_tags_when_made_after(tagged):
    tagged.add_tag("c")
    assert "c" in tagged["start"].tags
    assert "c" in Task(tagged["start"].task.pathspec).tags


def test_origin_pathspec_of_a_resumed_run(client, builder):
    from flowscope.client import Run

    first = builder.hello()
    resumed = builder.new_run("HelloFlow", origin_run_id=first.run_id)
    assert Run(resumed.pathspec).origin_pathspec == first.pathspec
    assert Run(first.pathspec).origin_pathspec is None
