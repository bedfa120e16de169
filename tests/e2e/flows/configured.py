"""A flow shaped by a Config: decorator arguments, a parameter default and the @project name
come from configured.json; list, JSON and computed parameters; @environment."""

import os

from flowscope import (
    Config,
    FlowSpec,
    JSONType,
    Parameter,
    config_expr,
    current,
    environment,
    project,
    resources,
    step,
    timeout,
)


def started_by(ctx):
    return f"{ctx.user_name}@{ctx.flow_name}"


@project(name=config_expr("cfg.project"))
class ConfiguredFlow(FlowSpec):
    """A flow configured by a Config."""

    cfg = Config("cfg", default="configured.json", help="the flow's settings")
    alpha = Parameter("alpha", default=cfg.alpha, help="smoothing")
    names = Parameter("names", default="a,b", separator=",")
    sizes = Parameter("sizes", type=int, separator=",", default="1,2")
    spec = Parameter("spec", type=JSONType, default={"k": 1})
    who = Parameter("who", default=started_by)

    @timeout(seconds=cfg.limits.seconds)
    @resources(cpu=cfg.limits.cpu, memory=2048)
    @environment(vars=cfg.env)
    @step
    def start(self):
        self.mode = os.environ.get("MODE")
        self.depth = self.cfg.model.depth
        self.project_fields = {
            "project_name": current.project_name,
            "branch_name": current.branch_name,
            "project_flow_name": current.project_flow_name,
            "is_production": current.is_production,
            "is_user_branch": current.is_user_branch,
        }
        self.next(self.end)

    @step
    def end(self):
        self.mode_in_end = os.environ.get("MODE")
        if os.environ.get("CONFIGURED_FAIL"):
            raise RuntimeError("asked to fail")
        print("alpha", self.alpha, "names", self.names, "sizes", self.sizes, "who", self.who)


if __name__ == "__main__":
    ConfiguredFlow()
