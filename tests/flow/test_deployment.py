"""@schedule, @trigger, @trigger_on_finish (flow/deployment.py): checked, kept, inert."""

from __future__ import annotations

import pytest

from flowscope import FlowSpec, schedule, step, trigger, trigger_on_finish
from flowscope.errors import FlowDefinitionError
from flowscope.flow.deployment import deployment_of


def _flow() -> type:
    class Deployed(FlowSpec):
        @step
        def start(self) -> None:
            self.next(self.end)

        @step
        def end(self) -> None:
            pass

    return Deployed


def test_the_decorators_are_kept_with_their_attributes() -> None:
    cls = trigger_on_finish(flows=["IngestFlow", "fraud.prod.ScoreFlow"])(
        trigger(event={"name": "ready", "parameters": ["day"]})(schedule(cron="0 6 * * *")(_flow()))
    )
    kept = {d.name: d.attributes for d in deployment_of(cls)}
    assert kept["schedule"]["cron"] == "0 6 * * *" and not kept["schedule"]["daily"]
    assert kept["trigger"]["events"] == [{"name": "ready", "parameters": ["day"]}]
    assert kept["trigger_on_finish"]["flows"] == ["IngestFlow", "fraud.prod.ScoreFlow"]
    assert str(deployment_of(schedule()(_flow()))[0]) == "@schedule(daily=True)"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: schedule(daily="yes"), "give True or False"),
        (lambda: schedule(cron="every day"), "has 5 or 6 fields"),
        (lambda: trigger(), "needs event=... or events="),
        (lambda: trigger(event="a", events=["b"]), "not both"),
        (lambda: trigger(events="a"), "takes a list"),
        (lambda: trigger(event={"parameters": []}), "is not an event"),
        (lambda: trigger_on_finish(flow=3), "is not a flow"),
    ],
)
def test_bad_attributes_are_named(make, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(FlowDefinitionError, match=message):
        make()


def test_schedule_once_per_class() -> None:
    with pytest.raises(FlowDefinitionError, match="applied twice"):
        schedule()(schedule(hourly=True)(_flow()))
