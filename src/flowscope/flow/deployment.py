"""`@schedule`, `@trigger` and `@trigger_on_finish`: when a deployed flow should start. Pure.

In the family these only act once a flow is deployed to an orchestrator; a local `run`
ignores them. flowscope has no orchestrator, so they are checked and kept with the class
(`deployment_of`) and a run is not affected: a flow written with them runs here as it runs
locally there.

    @schedule(daily=True)                       # or hourly=, weekly=, cron="0 6 * * *"
    @trigger(event="data_ready")                # or events=[...]
    @trigger_on_finish(flow="IngestFlow")       # or flows=[...]
    class TrainFlow(FlowSpec): ...
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, TypeVar

from flowscope.errors import FlowDefinitionError
from flowscope.flow.decorators import FLOW_DECORATORS, add_flow_decorator, flow_decorators

C = TypeVar("C", bound=type)


class DeploymentDecorator:
    """One of the deploy-time flow decorators: its name and its checked attributes."""

    def __init__(self, name: str, attributes: Mapping[str, Any]) -> None:
        self.name: Final = name
        self.attributes = dict(attributes)

    def __call__(self, cls: C) -> C:
        if not isinstance(cls, type):
            raise FlowDefinitionError(
                f"@{self.name} decorates a flow class (class MyFlow(FlowSpec)), not {cls!r:.60}."
            )
        own = cls.__dict__.get(FLOW_DECORATORS, [])
        if self.name == "schedule" and any(getattr(d, "name", None) == "schedule" for d in own):
            raise FlowDefinitionError(f"@schedule is applied twice to {cls.__name__}; keep one.")
        add_flow_decorator(cls, self)
        return cls

    def describe(self) -> str:
        given = ", ".join(
            f"{k}={v!r}" for k, v in self.attributes.items() if v not in (None, False, [], {})
        )
        return f"@{self.name}({given})"

    def __repr__(self) -> str:
        return self.describe()


def schedule(
    *,
    hourly: bool = False,
    daily: bool = True,
    weekly: bool = False,
    cron: str | None = None,
    timezone: str | None = None,
) -> DeploymentDecorator:
    """When a deployed flow runs on its own: hourly, daily (the default), weekly, or `cron`."""
    for name, value in (("hourly", hourly), ("daily", daily), ("weekly", weekly)):
        if not isinstance(value, bool):
            raise FlowDefinitionError(f"@schedule({name}={value!r:.40}): give True or False.")
    for name, text in (("cron", cron), ("timezone", timezone)):
        if text is not None and (not isinstance(text, str) or not text.strip()):
            raise FlowDefinitionError(f"@schedule({name}={text!r:.40}): give a non-empty string.")
    if cron is not None and len(cron.split()) not in (5, 6):
        raise FlowDefinitionError(
            f"@schedule(cron={cron!r:.60}): a cron expression has 5 or 6 fields "
            f"(minute hour day month weekday [year])."
        )
    return DeploymentDecorator(
        "schedule",
        {
            "hourly": hourly,
            "daily": daily and not (hourly or weekly or cron),
            "weekly": weekly,
            "cron": cron,
            "timezone": timezone,
        },
    )


def trigger(
    *, event: Any = None, events: Any = (), options: Mapping[str, Any] | None = None
) -> DeploymentDecorator:
    """Start a deployed flow when an event (a name, or a dict with `name` and `parameters`)
    arrives."""
    chosen = _one_or_many("trigger", "event", event, "events", events)
    for item in chosen:
        name = item.get("name") if isinstance(item, Mapping) else item
        if not isinstance(name, str) or not name:
            raise FlowDefinitionError(
                f"@trigger: {item!r:.60} is not an event: give a name, or a dict with 'name'."
            )
    return DeploymentDecorator("trigger", {"events": chosen, "options": dict(options or {})})


def trigger_on_finish(
    *, flow: Any = None, flows: Any = (), options: Mapping[str, Any] | None = None
) -> DeploymentDecorator:
    """Start a deployed flow when another flow (a name, or `project.branch.Flow`) finishes."""
    chosen = _one_or_many("trigger_on_finish", "flow", flow, "flows", flows)
    for item in chosen:
        name = item.get("name") if isinstance(item, Mapping) else item
        if not isinstance(name, str) or not name:
            raise FlowDefinitionError(
                f"@trigger_on_finish: {item!r:.60} is not a flow: give its name."
            )
    return DeploymentDecorator(
        "trigger_on_finish", {"flows": chosen, "options": dict(options or {})}
    )


def deployment_of(cls: type) -> list[DeploymentDecorator]:
    """The deploy-time decorators of a flow class (and its bases)."""
    return [d for d in flow_decorators(cls) if isinstance(d, DeploymentDecorator)]


def _one_or_many(deco: str, one: str, value: Any, many: str, values: Any) -> list[Any]:
    if value is not None and values:
        raise FlowDefinitionError(f"@{deco}: give {one}= or {many}=, not both.")
    if value is not None:
        return [value]
    if isinstance(values, (str, bytes)) or not isinstance(values, (list, tuple)):
        raise FlowDefinitionError(f"@{deco}({many}=...) takes a list, not {values!r:.60}.")
    if not values:
        raise FlowDefinitionError(f"@{deco} needs {one}=... or {many}=[...].")
    return list(values)
