"""FlowSession: configs, parameters and @project settled before a command builds the graph."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pytest

from flowscope import Config, FlowSpec, Parameter, project, step
from flowscope.cli.flow_session import FlowSession, env_configs
from flowscope.config import Settings
from flowscope.errors import ParameterError


def _flow() -> type:
    @project(name="demo")
    class F(FlowSpec):
        cfg = Config("cfg", default_value={"alpha": 0.5})
        alpha = Parameter("alpha", default=cfg.alpha)
        who = Parameter("who", default=lambda ctx: ctx.user_name)

        @step
        def start(self) -> None:
            self.next(self.end)

        @step
        def end(self) -> None:
            pass

    return F


def _args(command: str = "run", **values: Any) -> argparse.Namespace:
    base: dict[str, Any] = {
        "command": command,
        "config": [],
        "config_value": [],
        "branch": None,
        "production": False,
        "metadata": None,
        "datastore": None,
        "run_id": None,
    }
    base.update({k: v for k, v in values.items() if not k.startswith("param_")})
    base.update({f"param:{k[6:]}": v for k, v in values.items() if k.startswith("param_")})
    return argparse.Namespace(**base)


SETTINGS = Settings.from_env({"FLOWSCOPE_USER": "alice"})


def test_a_run_gets_its_configs_parameters_and_branch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FLOWSCOPE_RUN_ALPHA", raising=False)
    flow = _flow()
    session = FlowSession(flow, _args(config_value=[["cfg", '{"alpha": 0.25}']]), SETTINGS)
    session.prepare()
    assert session.parameters() == {"alpha": 0.25, "who": "alice", "cfg": {"alpha": 0.25}}
    info = session.project()
    assert info is not None and info.branch_name == "user.alice"


def test_repeated_config_options_and_resume_with_configs_are_refused(tmp_path: Path) -> None:
    twice = _args(config=[["cfg", "a.json"], ["cfg", "b.json"]])
    with pytest.raises(ParameterError, match="--config cfg is given twice"):
        FlowSession(_flow(), twice, SETTINGS).prepare()
    resume = _args("resume", config_value=[["cfg", "{}"]], metadata=str(tmp_path))
    with pytest.raises(ParameterError, match="resume reuses the configs"):
        FlowSession(_flow(), resume, SETTINGS).prepare()


def test_configs_from_the_environment_yield_to_the_command_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("METAFLOW_FLOW_CONFIG_VALUE", '{"cfg": {"alpha": 0.75}}')
    session = FlowSession(_flow(), _args(), SETTINGS)
    session.prepare()
    assert session.configs == {"cfg": {"alpha": 0.75}}
    monkeypatch.setenv("FLOWSCOPE_FLOW_CONFIG_VALUE", '{"cfg": {"alpha": 0.5}}')
    given = _args(config_value=[["cfg", '{"alpha": 0.1}']])
    session = FlowSession(_flow(), given, SETTINGS)
    session.prepare()
    assert session.configs == {"cfg": {"alpha": 0.1}}
    assert env_configs("FLOW_CONFIG", {"FLOWSCOPE_FLOW_CONFIG": '{"cfg": "a.json"}'}) == {
        "cfg": "a.json"
    }
    with pytest.raises(ParameterError, match="FLOWSCOPE_FLOW_CONFIG is not a JSON object"):
        env_configs("FLOW_CONFIG", {"FLOWSCOPE_FLOW_CONFIG": "a.json"})
