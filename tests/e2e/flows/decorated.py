"""User-defined step decorators (before/after, skip, replace, handle), a flow mutator adding
@retry everywhere, a step mutator whose argument comes from a Config, and @secrets."""

import os

from flowscope import (
    Config,
    FlowMutator,
    FlowSpec,
    StepMutator,
    current,
    secrets,
    step,
    user_step_decorator,
)


@user_step_decorator
def timed(step_name, flow, inputs=None, attributes=None):
    flow.before = f"{step_name}:{attributes.get('label', '-')}"
    yield
    flow.after = "ran"


@user_step_decorator
def memo(step_name, flow, inputs=None, attributes=None):
    flow.value = "memoized"
    yield {}


@user_step_decorator
def fallback(step_name, flow, inputs=None, attributes=None):
    def instead(self):
        self.value = f"fallback at attempt {current.retry_count}"

    if current.retry_count == 0:
        yield
    else:
        yield instead


@user_step_decorator
def swallow(step_name, flow, inputs=None, attributes=None):
    try:
        yield
    except ZeroDivisionError:
        flow.swallowed = True


class robust(FlowMutator):
    def init(self, times=1):
        self.times = times

    def mutate(self, mutable_flow):
        for _name, step_ in mutable_flow.steps:
            step_.add_decorator("retry", deco_kwargs={"times": self.times}, duplicates=step_.IGNORE)


class labelled(StepMutator):
    def init(self, label="x"):
        self.label = label

    def mutate(self, mutable_step):
        mutable_step.add_decorator(
            timed, deco_kwargs={"label": self.label}, duplicates=mutable_step.OVERRIDE
        )


@robust(times=2)
class DecoratedFlow(FlowSpec):
    cfg = Config("cfg", default_value={"label": "from-config"})

    @labelled(label=cfg.label)
    @secrets(
        sources=[
            "env.DECORATED_SECRETS",
            {"type": "inline", "values": {"INLINE_KEY": "inline-secret"}},
        ]
    )
    @step
    def start(self):
        self.token_seen = os.environ.get("API_TOKEN") == "s3cr3t"
        self.inline_seen = os.environ.get("INLINE_KEY") == "inline-secret"
        self.next(self.skipped)

    @memo
    @step
    def skipped(self):
        raise RuntimeError("never runs")
        self.next(self.flaky)

    @fallback
    @step
    def flaky(self):
        raise ValueError("first attempt fails")
        self.next(self.handled)

    @swallow
    @step
    def handled(self):
        1 / 0  # noqa: B018 - the failure @swallow handles
        self.next(self.end)

    @step
    def end(self):
        self.secret_in_end = "API_TOKEN" in os.environ and os.environ.get("API_TOKEN") == "s3cr3t"


if __name__ == "__main__":
    DecoratedFlow()
