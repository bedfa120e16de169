"""A foreach and its join under a user-defined decorator, with the fan-out's width, an
@environment and @resources from a Config."""

import os

from flowscope import Config, FlowSpec, environment, resources, step, user_step_decorator


@user_step_decorator
def counted(step_name, flow, inputs=None, attributes=None):
    flow.seen_inputs = len(inputs) if inputs is not None else None
    yield
    flow.decorated = f"{step_name}:{attributes.get('tag', '')}"


class ConfiguredForeachFlow(FlowSpec):
    cfg = Config("cfg", default_value={"width": 3, "mode": "wide", "cpu": 0.5})

    @step
    def start(self):
        self.items = list(range(self.cfg.width))
        self.next(self.body, foreach="items")

    @counted(tag=cfg.mode)
    @resources(cpu=cfg.cpu)
    @environment(vars={"ITEM_MODE": cfg.mode})
    @step
    def body(self):
        self.value = (self.input, os.environ["ITEM_MODE"])
        self.next(self.join)

    @counted
    @step
    def join(self, inputs):
        self.values = [i.value for i in inputs]
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    ConfiguredForeachFlow()
