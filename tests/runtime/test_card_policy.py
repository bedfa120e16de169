"""The card settings and entry points every run calls (runtime/card_policy.py): a flow without
@card never loads the card runtime; a flow with cards gets it in the runner and in its tasks."""

from __future__ import annotations

import subprocess
import sys

from flowscope import FlowSpec, card, step
from flowscope.config import Settings
from flowscope.flow import FlowGraph
from flowscope.runtime import cards as card_runtime
from flowscope.runtime.card_policy import CardPolicy, begin_cards, has_cards, warm_cards
from flowscope.runtime.spec import step_rules


class Carded(FlowSpec):
    @card
    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass


class Plain(FlowSpec):
    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass


def test_the_policy_is_read_from_the_settings_and_stays_importable_from_its_old_home(
    tmp_path,
) -> None:
    settings = Settings.from_env({"FLOWSCOPE_CARD_TIMEOUT": "3", "FLOWSCOPE_CARD_MAX_MB": "0.5"})
    assert CardPolicy.of(settings, tmp_path) == CardPolicy(3.0, 512 * 1024, 1.0, str(tmp_path))
    assert card_runtime.CardPolicy is CardPolicy


def test_has_cards_reads_the_steps_decorators() -> None:
    assert has_cards(Carded, "start") and not has_cards(Carded, "end")
    assert not has_cards(Plain, "start")


def test_the_entry_points_call_the_card_runtime_only_for_steps_with_cards(monkeypatch) -> None:
    calls: list[str] = []
    monkeypatch.setattr(card_runtime, "warm_cards", lambda cls, rules: calls.append(cls.__name__))
    monkeypatch.setattr(
        card_runtime.TaskCards, "begin", classmethod(lambda cls, work, spec: calls.append(spec))
    )
    warm_cards(Plain, step_rules(FlowGraph.from_class(Plain)))
    warm_cards(Carded, step_rules(FlowGraph.from_class(Carded)))
    assert calls == ["Carded"]

    class Work:
        flow_cls = Carded

    class Spec:
        def __init__(self, step: str) -> None:
            self.step = step

    assert begin_cards(Work(), Spec("end")) is None  # type: ignore[arg-type]
    begin_cards(Work(), Spec("start"))  # type: ignore[arg-type]
    assert len(calls) == 2 and calls[1].step == "start"  # type: ignore[attr-defined]


def test_a_flow_without_cards_never_loads_the_card_runtime() -> None:
    code = (
        "import sys\n"
        "from flowscope.runtime import card_policy, task, lifecycle\n"
        "print('flowscope.runtime.cards' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
