"""Task specs are plain data; step rules are read once from the graph."""

from __future__ import annotations

import pickle
from dataclasses import replace

from flowscope import FlowSpec, catch, retry, step, timeout
from flowscope.flow import FlowGraph
from flowscope.metastore.records import ArtifactRecord
from flowscope.runtime.spec import Frame, Parent, StepRules, TaskSpec, step_rules


class RulesFlow(FlowSpec):
    @step
    def start(self):
        self.items = [1, 2]
        self.next(self.body, foreach="items")

    @retry(times=2, minutes_between_retries=0.5)
    @timeout(seconds=90)
    @step
    def body(self):
        self.next(self.join)

    @catch(var="oops")
    @step
    def join(self, inputs):
        self.next(self.end)

    @catch
    @step
    def end(self):
        pass


def test_step_rules_come_from_the_graph_and_the_decorators() -> None:
    rules = step_rules(FlowGraph.from_class(RulesFlow))
    assert set(rules) == {"start", "body", "join", "end"}
    assert rules["start"] == StepRules(False, ("body",), "items", 0, 0.0, None, None)
    assert rules["body"] == StepRules(False, ("join",), None, 2, 30.0, 90.0, None)
    assert rules["join"].is_join and rules["join"].catch_var == "oops"
    assert rules["end"].catch_var == "_catch_exception" and rules["end"].targets == ()
    assert not rules["body"].last_attempt(1) and rules["body"].last_attempt(2)
    assert rules["start"].last_attempt(0)


def test_a_task_spec_is_plain_data_an_executor_can_send_anywhere() -> None:
    record = ArtifactRecord("x", "ab" * 32, 3, "int", "pickle", 1.0)
    parent = Parent(2, "start", (), {"x": record})
    frame = Frame("start", 1, 2, True, "items", "2")
    spec = TaskSpec(4, "body", (frame,), (parent,), "items", attempt=1)
    assert pickle.loads(pickle.dumps(spec)) == spec
    assert spec.foreach_index == 1 and spec.retry().attempt == 2


class SwitchRulesFlow(FlowSpec):
    @step
    def start(self):
        self.pick = "b"
        self.next({"a": self.a, "b": self.b}, condition="pick")

    @step
    def a(self):
        self.next(self.end)

    @step
    def b(self):
        self.next(self.end)

    @step
    def end(self):
        pass


def test_a_switch_steps_rules_name_every_case_and_mark_it_a_switch() -> None:
    rules = step_rules(FlowGraph.from_class(SwitchRulesFlow))
    assert rules["start"].switch and rules["start"].targets == ("a", "b")
    assert not rules["a"].switch and not rules["end"].switch


def test_a_pass_number_makes_a_distinct_identity() -> None:
    spec = TaskSpec(4, "spin", (), ())
    assert spec.key == ("spin", (), 0)
    assert replace(spec, pass_number=2).key == ("spin", (), 2) != spec.key
