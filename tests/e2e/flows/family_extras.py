"""The family's deploy-time decorators and step helpers, run locally
(tests/e2e/test_family_extras.py)."""

from flowscope import (
    USER_SKIP_STEP,
    FlowSpec,
    UserStepDecorator,
    parallel_map,
    profile,
    schedule,
    step,
    trigger,
    trigger_on_finish,
    user_step_decorator,
)


@user_step_decorator
def skipped(step_name, flow, inputs=None, attributes=None):
    yield USER_SKIP_STEP


class stamped(UserStepDecorator):
    def init(self, mark="?"):
        self.mark = mark

    def post_step(self, step_name, flow, exception=None):
        flow.stamp = f"{self.mark}:{step_name}"
        return exception, None


@schedule(daily=True)
@trigger(event="data_ready")
@trigger_on_finish(flow="IngestFlow")
class FamilyExtrasFlow(FlowSpec):
    @step
    def start(self):
        base = 100
        with profile("squares"):
            self.squares = parallel_map(lambda x: x * x + base, range(5), max_parallel=2)
        self.next(self.maybe)

    @skipped
    @step
    def maybe(self):
        self.never = True
        self.next(self.end)

    @stamped(mark="done")
    @step
    def end(self):
        self.skipped_ran = hasattr(self, "never")


if __name__ == "__main__":
    FamilyExtrasFlow()
