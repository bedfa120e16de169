"""The cards of one attempt, executed in this process as a worker executes it: rendered after
the step, stored as blobs, listed in the attempt's `cards` fact; never failing the task."""

from __future__ import annotations

import sys
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from flowscope import FlowSpec, Parameter, card, current, step
from flowscope.cards import Markdown, MetaflowCardComponent, ProgressBar
from flowscope.cards.records import (
    CARDS_FACT,
    decode_records,
    live_card_path,
    read_pointer,
    read_signal,
)
from flowscope.datastore import ContentStore
from flowscope.datastore.memory import MemoryStorage
from flowscope.errors import StorageFull
from flowscope.flow import FlowGraph
from flowscope.runtime.card_policy import CardPolicy
from flowscope.runtime.cards import graph_view, within
from flowscope.runtime.spec import Parent, TaskSpec, step_rules
from flowscope.runtime.task import RunWork, TaskOutcome


class Raises(MetaflowCardComponent):
    def render(self) -> str:
        raise RuntimeError("the component broke")


class Sleeps(MetaflowCardComponent):
    def render(self) -> str:
        time.sleep(30)
        return "<p>never</p>"


class Huge(MetaflowCardComponent):
    def render(self) -> str:
        return "<p>" + "x" * 200_000 + "</p>"


class CardFlow(FlowSpec):
    alpha = Parameter("alpha", default=0.5)

    @card
    @card(type="blank", id="report", options={"title": "Report"})
    @step
    def start(self):
        self.small = {"k": [1, 2, 3]}
        self.big = "B" * 50_000
        print("printed by the step")
        print("a warning", file=sys.stderr)
        current.card.append(Markdown("# From the step"))
        current.card["report"].append(ProgressBar(max=10, value=4, label="done"))
        self.next(self.middle)

    @card(type="blank", timeout=0.5)
    @step
    def middle(self):
        current.card.append(Markdown("before"))
        current.card.append(Raises())
        current.card.append(Sleeps() if self.mode == "sleep" else Huge())
        self.next(self.end)

    @card
    @step
    def end(self):
        current.card.append(Markdown("end card"))
        if self.mode == "fail":
            raise ValueError("the step failed")


class PlainFlow(FlowSpec):
    @step
    def start(self):
        self.had_card = current.card
        self.next(self.end)

    @step
    def end(self):
        pass


def _work(flow_cls: type, policy: CardPolicy = CardPolicy()) -> RunWork:
    rules = step_rules(FlowGraph.from_class(flow_cls))
    store = ContentStore(MemoryStorage())
    return RunWork(
        flow_cls,
        store,
        flow_cls.__name__,
        7,
        "ann",
        (),
        None,
        {"alpha": 0.5} if flow_cls is CardFlow else {},
        rules,
        cards=policy,
    )


def _run(work: RunWork, step_name: str, mode: str = "") -> TaskOutcome:
    """Run `step_name` of the flow with the artifact `mode` from a made-up parent."""
    from flowscope.datastore import save_artifact
    from flowscope.metastore.records import ArtifactRecord

    info = save_artifact(work.store, mode)
    index = {"mode": ArtifactRecord("mode", info.sha, info.size, info.type_name, info.serializer)}
    parent = Parent(1, "start", (), index)
    return work(TaskSpec(task_id=2, step=step_name, stack=(), inputs=(parent,)))


def _cards(work: RunWork, outcome: TaskOutcome) -> list[tuple[str, str | None, str]]:
    facts = {f.field: f.value for f in outcome.facts}
    return [
        (r.type, r.id, bytes(work.store.get(r.key)).decode())
        for r in decode_records(facts.get(CARDS_FACT))
    ]


def test_each_card_of_the_step_is_stored_and_listed_in_the_cards_fact() -> None:
    work = _work(CardFlow)
    outcome = work(TaskSpec(task_id=2, step="start", stack=(), inputs=()))
    assert outcome.ok
    (default_type, default_id, summary), (blank_type, blank_id, report) = _cards(work, outcome)
    assert (default_type, default_id, blank_type, blank_id) == ("default", None, "blank", "report")
    assert "From the step" in summary and "From the step" not in report
    assert "Report" in report and "done" in report  # the title and the progress bar
    # the default card's summary: artifacts with previews, parameters, output, the graph
    for expected in ("small", "{&#x27;k&#x27;: [1, 2, 3]}", "big", "alpha", "0.5"):
        assert expected in summary, expected
    assert "printed by the step" in summary and "a warning" in summary
    assert "B" * 1000 not in summary  # 50 kB stored: no preview, never loaded
    assert "CardFlow/7/start/2" in summary and "<svg" in summary
    assert current.card is None  # unbound once the task is over
    keys = [r.key for r in decode_records({f.field: f.value for f in outcome.facts}[CARDS_FACT])]
    assert list(outcome.blob_keys) == keys  # declared for the blob references table


def test_a_raising_component_and_an_oversized_card_never_fail_the_task(
    capsys: pytest.CaptureFixture[str],
) -> None:
    work = _work(CardFlow, CardPolicy(max_bytes=100_000))
    outcome = _run(work, "middle", mode="huge")
    assert outcome.ok
    ((kind, _, shown),) = _cards(work, outcome)
    assert 'data-card-type="error"' in shown and "over the limit" in shown
    records = decode_records({f.field: f.value for f in outcome.facts}[CARDS_FACT])
    assert records[0].ok is False
    err = capsys.readouterr().err
    assert "Raises could not be rendered: RuntimeError: the component broke" in err
    assert "over the limit" in err and "CardFlow/7/middle/2" in err


def test_a_card_that_takes_longer_than_its_timeout_shows_the_timeout(
    capsys: pytest.CaptureFixture[str],
) -> None:
    work = _work(CardFlow)
    began = time.monotonic()
    outcome = _run(work, "middle", mode="sleep")
    assert time.monotonic() - began < 10
    assert outcome.ok
    ((_, _, shown),) = _cards(work, outcome)
    assert 'data-card-type="error"' in shown and "timeout of 0.5 s" in shown
    assert "took longer than its timeout of 0.5 s" in capsys.readouterr().err


def test_a_failed_step_still_has_its_card_showing_the_failure() -> None:
    work = _work(CardFlow)
    outcome = _run(work, "end", mode="fail")
    assert not outcome.ok and outcome.exception is not None
    ((kind, _, shown),) = _cards(work, outcome)
    assert kind == "default" and "end card" in shown and "failed" in shown
    assert "the step failed" in shown  # the traceback went to stderr, kept in the tail


def test_a_step_without_cards_records_no_card_and_sees_no_builder() -> None:
    work = _work(PlainFlow)
    outcome = work(TaskSpec(task_id=2, step="start", stack=(), inputs=()))
    assert outcome.ok and outcome.facts == ()
    from flowscope.datastore import load_artifact

    (had,) = [load_artifact(work.store, a.sha, a.serializer) for a in outcome.artifacts]
    assert had is None


def test_the_task_streams_are_given_back_after_the_task() -> None:
    work = _work(CardFlow)
    out, err = sys.stdout, sys.stderr
    work(TaskSpec(task_id=2, step="start", stack=(), inputs=()))
    assert sys.stdout is out and sys.stderr is err


class RefreshFlow(FlowSpec):
    @card(type="blank")
    @step
    def start(self):
        bar = ProgressBar(max=3, label="steps")
        current.card.append(bar)
        pointer = Path(self.pointer)
        self.seen = []
        for value in (1, 2, 3):
            bar.update(value)
            current.card.refresh()
            record = read_pointer(pointer)
            self.seen.append(None if record is None else record.key)
        current.card.refresh(force=True)
        forced = read_pointer(pointer)
        self.forced = None if forced is None else forced.key
        self.next(self.end)

    @step
    def end(self):
        pass


def test_refresh_stores_the_card_behind_a_pointer_at_most_once_per_interval(tmp_path) -> None:
    policy = CardPolicy(refresh_interval=60.0, live_dir=str(tmp_path))
    work = _work(RefreshFlow, policy)
    pointer = live_card_path(tmp_path, "RefreshFlow", 7, 2, 0, 0)
    pointer.parent.mkdir(parents=True)
    RefreshFlow.pointer = str(pointer)  # type: ignore[attr-defined]
    try:
        outcome = work(TaskSpec(task_id=2, step="start", stack=(), inputs=()))
    finally:
        del RefreshFlow.pointer  # type: ignore[attr-defined]
    assert outcome.ok, outcome.exception
    from flowscope.datastore import load_artifact

    arts = {a.name: load_artifact(work.store, a.sha, a.serializer) for a in outcome.artifacts}
    first, second, third = arts["seen"]
    assert first is not None and second == first == third  # the interval held the others back
    assert arts["forced"] != first  # force=True writes the card as it is now
    assert "3" in bytes(work.store.get(arts["forced"])).decode()
    assert not pointer.exists()  # the task ended: the fact holds the final card
    assert len(_cards(work, outcome)) == 1
    final = decode_records({f.field: f.value for f in outcome.facts}[CARDS_FACT])[0].key
    assert set(outcome.blob_keys) == {first, arts["forced"], final}  # refreshes declared too


def test_without_a_live_directory_refresh_signals_the_runner_on_stderr(
    tmp_path, capsys: pytest.CaptureFixture[str]
) -> None:
    work = _work(RefreshFlow)
    RefreshFlow.pointer = str(tmp_path / "none.json")  # type: ignore[attr-defined]
    try:
        outcome = work(TaskSpec(task_id=2, step="start", stack=(), inputs=()))
    finally:
        del RefreshFlow.pointer  # type: ignore[attr-defined]
    assert outcome.ok, outcome.exception
    from flowscope.datastore import load_artifact

    arts = {a.name: load_artifact(work.store, a.sha, a.serializer) for a in outcome.artifacts}
    assert arts["seen"] == [None, None, None] and arts["forced"] is None  # no pointer file
    signals = [read_signal(line)[1] for line in capsys.readouterr().err.splitlines()]
    first, forced = [r for r in signals if r is not None]  # the interval held two back
    assert (first.index, first.type, forced.index) == (0, "blank", 0)
    assert first.key != forced.key and "3" in bytes(work.store.get(forced.key)).decode()
    assert len(_cards(work, outcome)) == 1  # the final card is in the fact


class RefusesCards(ContentStore):
    """A store that is full for card documents only (artifacts still go in)."""

    def put(self, data: Any) -> str:
        if bytes(data[:15]) == b"<!DOCTYPE html>":
            raise StorageFull("Could not store blob: the disk is full")
        return super().put(data)


def test_a_store_that_refuses_cards_fails_neither_the_refresh_nor_the_task(
    tmp_path, capsys: pytest.CaptureFixture[str]
) -> None:
    work = replace(
        _work(RefreshFlow, CardPolicy(live_dir=str(tmp_path))),
        store=RefusesCards(MemoryStorage()),
    )
    RefreshFlow.pointer = str(tmp_path / "none.json")  # type: ignore[attr-defined]
    try:
        outcome = work(TaskSpec(task_id=2, step="start", stack=(), inputs=()))
    finally:
        del RefreshFlow.pointer  # type: ignore[attr-defined]
    assert outcome.ok and outcome.facts == ()  # no card recorded, the task and its artifacts stand
    assert {a.name for a in outcome.artifacts} == {"seen", "forced"}
    err = capsys.readouterr().err
    assert "RefreshFlow/7/start/2: card refresh failed: Could not store blob" in err
    assert "RefreshFlow/7/start/2: cards could not be stored: Could not store blob" in err


def test_within_stops_a_render_in_the_main_thread_and_leaves_one_elsewhere() -> None:
    from flowscope.cards import CardSpec, render_card

    spec = CardSpec(type="blank")
    assert within(5, lambda: render_card(spec, [Markdown("x")])) is not None
    began = time.monotonic()
    assert within(0.2, lambda: render_card(spec, [Sleeps()])) is None
    assert time.monotonic() - began < 5
    box: list[object] = []
    thread = threading.Thread(
        target=lambda: box.append(within(0.2, lambda: render_card(spec, [Sleeps()])))
    )
    thread.start()
    thread.join(10)
    assert box == [None]


def test_the_default_cards_graph_comes_from_the_step_rules() -> None:
    view = graph_view(step_rules(FlowGraph.from_class(CardFlow)), "middle")
    assert [(s.name, s.type) for s in view.steps] == [
        ("start", "start"),
        ("middle", "linear"),
        ("end", "end"),
    ]
    assert set(view.edges) == {("start", "middle"), ("middle", "end")} and view.current == "middle"


def test_the_policy_is_read_from_the_settings(tmp_path) -> None:
    from flowscope.config import Settings

    settings = Settings.from_env(
        {"FLOWSCOPE_CARD_TIMEOUT": "3", "FLOWSCOPE_CARD_MAX_MB": "0.5",
         "FLOWSCOPE_CARD_REFRESH_INTERVAL": "0.25"}
    )  # fmt: skip
    policy = CardPolicy.of(settings, tmp_path)
    assert policy == CardPolicy(3.0, 512 * 1024, 0.25, str(tmp_path))
    assert CardPolicy.of(Settings.from_env({}), None) == CardPolicy()
    assert replace(policy, live_dir=None).live_dir is None


SCRIPT = """
import sys
from flowscope import FlowSpec, card, step
from flowscope.flow import FlowGraph
from flowscope.runtime.cards import warm_cards
from flowscope.runtime.spec import step_rules


class Plain(FlowSpec):
    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass


class Carded(Plain):
    @card
    @step
    def end(self):
        pass


warm_cards(Plain, step_rules(FlowGraph.from_class(Plain)))
print("nh3" in sys.modules, "markdown_it" in sys.modules)
warm_cards(Carded, step_rules(FlowGraph.from_class(Carded)))
print("nh3" in sys.modules, "markdown_it" in sys.modules)
"""


def test_the_runner_loads_the_renderer_once_for_a_flow_with_cards_only(tmp_path) -> None:
    import subprocess

    script = tmp_path / "warm.py"
    script.write_text(SCRIPT)
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True)
    assert out.stdout.split() == ["False", "False", "True", "True"], out.stderr
