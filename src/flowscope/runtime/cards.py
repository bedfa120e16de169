"""The cards of one task attempt, in the process that runs it (see flowscope.flow.card).

`TaskCards.begin` binds `current.card` to a CardBuilder of the step's `@card`s (and, for a
default card, keeps the tail of what the step prints); the step runs; `finish` renders every
card (each within its timeout), stores each as a blob and returns the outcome with the fact
`cards` (flowscope.cards.records) that the runner records with the attempt. A card that
fails or times out never fails the task: it shows the error, and the task's stderr says why.
`current.card.refresh()` stores the card as it is now, at most once per
`CardPolicy.refresh_interval`, behind a pointer file that readers follow (local metadata), or
else tells the runner with a signal line on stderr, which it sends on with its heartbeats.
"""

from __future__ import annotations

import dataclasses
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from flowscope.flow import current
from flowscope.flow.card import step_cards
from flowscope.metastore.records import Fact
from flowscope.runtime.card_policy import CardPolicy

if TYPE_CHECKING:
    from flowscope.cards import CardComponents, GraphView, RenderedCard, TaskSummary
    from flowscope.cards.records import CardRecord
    from flowscope.runtime.spec import StepRules, TaskSpec
    from flowscope.runtime.task import RunWork, TaskOutcome

PREVIEW_MAX_BYTES = 4096  # artifacts stored in more bytes get no preview (never loaded whole)
TAIL_CHARS = 20_000


def warm_cards(flow_cls: type, rules: Mapping[str, StepRules]) -> None:
    """For a flow with a @card: load the card renderer (and Markdown's libraries, the most
    used component's) and draw the graph of each step with a card, once, in the runner, so
    that forked workers inherit all of it instead of redoing it in every task. Nothing for a
    flow without cards."""
    carded = [step for step in rules if not step.startswith("_") and step_cards(flow_cls, step)]
    if not carded:
        return
    try:
        import importlib

        import flowscope.cards.records  # noqa: F401  (what finish() writes with)

        importlib.import_module("lz4.block")  # a card's HTML is stored compressed
        from flowscope.cards import CardSpec, Markdown, TaskSummary, render_card

        for step in carded:
            summary = TaskSummary(flow_cls.__name__, step, graph=graph_view(rules, step))
            render_card(CardSpec(), [Markdown("warm")], summary)
    except Exception:  # a missing extra: each task's card says so itself
        return


class _RenderTimeout(BaseException):
    """Raised in the task's main thread when a card's timeout passes (not an Exception, so
    the renderer's own error handling cannot swallow it)."""


def within(seconds: float, render: Callable[[], RenderedCard]) -> RenderedCard | None:
    """`render()`, or None when it takes longer than `seconds`. In the main thread an alarm
    interrupts it; elsewhere it runs in a thread that is left behind when time is up."""
    if threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer"):

        def alarm(signum: int, frame: object) -> None:
            raise _RenderTimeout

        previous = signal.signal(signal.SIGALRM, alarm)
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            return render()
        except _RenderTimeout:
            return None
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
    box: list[RenderedCard] = []
    worker = threading.Thread(target=lambda: box.append(render()), daemon=True)
    worker.start()
    worker.join(seconds)
    return box[0] if box else None


class _Tail:
    """A text stream that writes through and keeps the last characters written."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.parts: deque[str] = deque()
        self.size = 0

    def write(self, text: str) -> int:
        written = self.stream.write(text)
        self.parts.append(text)
        self.size += len(text)
        while self.size > TAIL_CHARS and len(self.parts) > 1:
            self.size -= len(self.parts.popleft())
        return written

    def text(self) -> str:
        return "".join(self.parts)[-TAIL_CHARS:]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


def graph_view(rules: Mapping[str, StepRules], step: str) -> GraphView:
    """The flow's graph as the default card draws it, from the run's step rules."""
    from flowscope.cards import GraphStep, GraphView

    def kind(name: str, r: StepRules) -> str:
        if name in ("start", "end"):
            return name
        if r.switch:
            return "switch"
        if r.split_var is not None:
            return "foreach"
        if len(r.targets) > 1:
            return "split"
        return "join" if r.is_join else "linear"

    steps = tuple(GraphStep(n, kind(n, r)) for n, r in rules.items() if not n.startswith("_"))
    edges = tuple((n, t) for n, r in rules.items() for t in r.targets)
    return GraphView(steps, edges, step)


def _preview(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 300 else text[:299] + "…"


class TaskCards:
    """The cards of one attempt (see the module doc)."""

    def __init__(self, work: RunWork, spec: TaskSpec, policy: CardPolicy) -> None:
        from flowscope.cards import CardBuilder

        self.work, self.spec, self.policy = work, spec, policy
        self.started = time.time()
        self.pathspec = spec.pathspec(work.flow_name, work.run_id)
        self.builder = CardBuilder(
            step_cards(work.flow_cls, spec.step, policy.timeout), self._refresh, self._warn
        )
        self.tails: dict[str, _Tail] = {}
        self.stderr = sys.stderr  # the worker's own, for card signals (whatever the step does)
        self.refreshed: dict[int, tuple[float, int]] = {}  # card index -> (when, version)
        self.pointers: list[Path] = []
        self.stored: list[str] = []  # the key of every card blob written, refreshes included

    @classmethod
    def begin(cls, work: RunWork, spec: TaskSpec) -> TaskCards | None:
        """Bind `current.card` for the attempt; None (nothing bound) for a step without cards."""
        try:
            if not step_cards(work.flow_cls, spec.step):
                return None
            cards = cls(work, spec, work.cards)
        except Exception as exc:  # cards never fail the task
            print(f"{work.flow_name}: the step's cards are left out: {exc}", file=sys.stderr)
            return None
        if any(c.spec.type == "default" for c in cards.builder.cards):
            cards.tails = {"stdout": _Tail(sys.stdout), "stderr": _Tail(sys.stderr)}
            sys.stdout, sys.stderr = cards.tails["stdout"], cards.tails["stderr"]
        current._set_card(cards.builder)
        return cards

    def _warn(self, message: str) -> None:
        print(
            f"current.card: {message}" if "current.card" not in message else message,
            file=sys.stderr,
        )

    def _restore(self) -> None:
        if self.tails:
            sys.stdout, sys.stderr = self.tails["stdout"].stream, self.tails["stderr"].stream
        current._set_card(None)

    # ---- rendering and storing ---------------------------------------------------------
    def _summary(self, outcome: TaskOutcome | None) -> TaskSummary:
        from flowscope.cards import ArtifactSummary, TaskSummary
        from flowscope.datastore import load_artifact

        artifacts = []
        for record in outcome.artifacts if outcome is not None else ():
            preview = None
            if record.size <= PREVIEW_MAX_BYTES:
                try:
                    value = load_artifact(self.work.store, record.sha, record.serializer)
                    preview = _preview(value)
                except Exception:  # a preview is a courtesy; the card shows none
                    preview = None
            artifacts.append(ArtifactSummary(record.name, record.type_name, record.size, preview))
        status = None if outcome is None else ("succeeded" if outcome.ok else "failed")
        return TaskSummary(
            flow_name=self.work.flow_name,
            pathspec=self.pathspec,
            parameters=tuple((k, _preview(v)) for k, v in sorted(self.work.parameters.items())),
            artifacts=tuple(artifacts),
            graph=graph_view(self.work.rules, self.spec.step),
            started_at=self.started,
            finished_at=None if outcome is None else time.time(),
            attempt=self.spec.attempt,
            status=status or "running",
            stdout_tail=self.tails["stdout"].text() if self.tails else "",
            stderr_tail=self.tails["stderr"].text() if self.tails else "",
        )

    def _render(self, index: int, card: CardComponents, summary: TaskSummary) -> RenderedCard:
        from flowscope.cards import render_card
        from flowscope.cards.types import error_card

        spec = card.spec
        limit = self.policy.max_bytes
        rendered = within(
            spec.timeout,
            lambda: render_card(
                spec, list(card), summary if spec.type == "default" else None, max_chars=limit
            ),
        )
        if rendered is None:
            reason = f"the {spec.type} card took longer than its timeout of {spec.timeout:g} s"
            return error_card(reason, "raise @card(timeout=...) or show less", spec, summary)
        if len(rendered.html.encode("utf-8", "surrogatepass")) > limit:
            reason = f"the card is over the limit of {limit:,} bytes (FLOWSCOPE_CARD_MAX_MB)"
            return error_card(reason, "show less", spec, summary)
        return rendered

    def _store(self, index: int, rendered: RenderedCard) -> CardRecord:
        from flowscope.cards.records import CardRecord

        data = rendered.html.encode("utf-8", "backslashreplace")
        key = self.work.store.put(data)
        self.stored.append(key)  # declared with the attempt: the blob references table
        return CardRecord(
            index, rendered.type, rendered.id, key, len(data), rendered.ok, time.time()
        )

    def _say(self, card: CardComponents, rendered: RenderedCard) -> None:
        name = f"card {card.spec.id!r}" if card.spec.id else f"the {card.spec.type} card"
        for problem in rendered.problems:
            print(f"{self.pathspec}: {name}: {problem}", file=sys.stderr)

    def _refresh(self, card: CardComponents, force: bool) -> None:
        """`current.card.refresh()`: store the card as it is now (rate-limited) and point to
        it: a pointer file beside the live logs, or else a signal line the runner sends on
        with its heartbeats (see flowscope.cards.records)."""
        index = self.builder.cards.index(card)
        now = time.time()
        last, version = self.refreshed.get(index, (0.0, -1))
        if not force and (now - last < self.policy.refresh_interval or version == card.version):
            return
        try:
            record = self._store(index, self._render(index, card, self._summary(None)))
            if self.policy.live_dir is None:
                self._signal(record)
            else:
                self._point(record)
        except Exception as exc:  # a refresh is never worth failing the step for
            print(f"{self.pathspec}: card refresh failed: {exc}", file=sys.stderr)
        self.refreshed[index] = (time.time(), card.version)

    def _point(self, record: CardRecord) -> None:
        from flowscope.cards.records import live_card_path, write_pointer

        assert self.policy.live_dir is not None
        path = live_card_path(
            Path(self.policy.live_dir),
            self.work.flow_name,
            self.work.run_id,
            self.spec.task_id,
            self.spec.attempt,
            record.index,
        )
        write_pointer(path, record)
        if path not in self.pointers:
            self.pointers.append(path)

    def _signal(self, record: CardRecord) -> None:
        from flowscope.cards.records import card_signal

        self.stderr.write(card_signal(record) + "\n")  # past the default card's tail
        self.stderr.flush()

    def finish(self, outcome: TaskOutcome) -> TaskOutcome:
        """Render and store every card; the outcome with the `cards` fact added."""
        from flowscope.cards.records import CARDS_FACT, encode_records

        self._restore()
        records = []
        try:
            summary = self._summary(outcome)
            for index, card in enumerate(self.builder.cards):
                rendered = self._render(index, card, summary)
                self._say(card, rendered)
                records.append(self._store(index, rendered))
        except Exception as exc:  # e.g. the store refused the blob: the task stands
            print(f"{self.pathspec}: cards could not be stored: {exc}", file=sys.stderr)
        for path in self.pointers:
            path.unlink(missing_ok=True)
        keys = (*outcome.blob_keys, *dict.fromkeys(self.stored))  # refreshed versions too
        if not records:
            return dataclasses.replace(outcome, blob_keys=keys) if self.stored else outcome
        fact = Fact(CARDS_FACT, encode_records(records), "json", time.time())
        return dataclasses.replace(outcome, facts=(*outcome.facts, fact), blob_keys=keys)
