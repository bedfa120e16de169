"""The authoring surface end to end: Config, Parameters, @project, @environment, @resources,
@secrets, user-defined decorators and mutators, run with `python flow.py run` and `resume`,
read back through the client over the local store and over a real service."""

from __future__ import annotations

import json
import shutil

import pytest

from conftest import FLOWS

CONFIG = {
    "project": "demo",
    "alpha": 0.25,
    "limits": {"seconds": 30, "cpu": 2},
    "env": {"MODE": "fast"},
    "model": {"depth": 3},
}
SECRETS = {"API_TOKEN": "s3cr3t"}  # the value decorated.py checks for


@pytest.fixture(params=["local", "service"])
def where(request, workspace):
    """The address runs are recorded to and read from: the workspace's store, or a service."""
    if request.param == "local":
        return []
    service = request.getfixturevalue("sqlite_service")
    workspace.env["FLOWSCOPE_SERVICE_TOKEN"] = service.token
    return ["--metadata", service.url]


def _client(workspace, where, monkeypatch):
    if not where:
        return workspace.client()
    import flowscope
    from flowscope.client.context import CONTEXT

    monkeypatch.setenv("FLOWSCOPE_SERVICE_TOKEN", workspace.env["FLOWSCOPE_SERVICE_TOKEN"])
    CONTEXT.reset()  # read the token set just now
    flowscope.metadata(where[1])
    flowscope.namespace(None)
    return flowscope


def _write_config(workspace, config: dict) -> None:
    (workspace.root / "configured.json").write_text(json.dumps(config))


def test_configs_parameters_and_project_in_run_and_resume(workspace, where, monkeypatch):
    _write_config(workspace, CONFIG)
    workspace.env.update(FLOWSCOPE_RUN_NAMES="x,y", CONFIGURED_FAIL="1")
    failed = workspace.run("configured", *where, "--branch", "feat", "run", "--sizes", "3,4")
    assert failed.code == 1 and "asked to fail" in failed.output

    flowscope = _client(workspace, where, monkeypatch)
    first = flowscope.Flow("ConfiguredFlow").latest_run
    start = first["start"].task  # the run failed at its end: read what its start saw
    assert start.data.cfg == CONFIG  # recorded with the run, read as a plain dict
    assert (start.data.alpha, start.data.names, start.data.sizes) == (0.25, ["x", "y"], [3, 4])
    assert start.data.spec == {"k": 1} and start.data.who == "tester@ConfiguredFlow"
    assert {"project:demo", "project_branch:test.feat"} <= first.system_tags
    assert start.data.mode == "fast" and start.data.depth == 3
    assert start.data.project_fields == {
        "project_name": "demo",
        "branch_name": "test.feat",
        "project_flow_name": "demo.test.feat.ConfiguredFlow",
        "is_production": False,
        "is_user_branch": False,
    }
    assert json.loads(start.metadata_dict["resources"]) == {
        "cpu": 2.0,
        "memory": 2048,
        "gpu": 0,
        "disk": None,
    }
    assert not first["end"].task.successful

    # the config file changes, but a resumed run keeps the configs its origin ran with
    _write_config(workspace, {**CONFIG, "alpha": 0.9, "env": {"MODE": "slow"}})
    del workspace.env["CONFIGURED_FAIL"]
    refused = workspace.run("configured", *where, "--config-value", "cfg", "{}", "resume")
    assert refused.code == 2 and "resume reuses the configs" in refused.stderr
    resumed = workspace.run("configured", *where, "--branch", "feat", "resume", first.id)
    assert resumed.code == 0, resumed.output
    second = flowscope.Flow("ConfiguredFlow").latest_run
    assert second.id != first.id and second.successful
    assert second.data.cfg == CONFIG and second.data.alpha == 0.25
    assert second.data.mode == "fast" and second.data.mode_in_end is None  # the start's only
    assert {"project:demo", "project_branch:test.feat"} <= second.system_tags


def test_production_and_config_values_on_the_command_line(workspace, where, monkeypatch):
    _write_config(workspace, CONFIG)
    given = {**CONFIG, "alpha": 0.5, "limits": {"seconds": 20, "cpu": 1}}
    result = workspace.run(
        "configured", *where, "--production", "--config-value", "cfg", json.dumps(given), "run"
    )
    assert result.code == 0, result.output
    run = _client(workspace, where, monkeypatch).Flow("ConfiguredFlow").latest_run
    assert run.data.cfg == given and run.data.alpha == 0.5
    assert "project_branch:prod" in run.system_tags
    assert run["start"].task.data.project_fields["is_production"] is True
    assert json.loads(run["start"].task.metadata_dict["resources"])["cpu"] == 1.0


def test_user_decorators_mutators_and_secrets(workspace, where, monkeypatch):
    workspace.env["DECORATED_SECRETS"] = json.dumps(SECRETS)
    result = workspace.run("decorated", *where, "run")
    assert result.code == 0, result.output
    assert SECRETS["API_TOKEN"] not in result.output

    run = _client(workspace, where, monkeypatch).Flow("DecoratedFlow").latest_run
    start = run["start"].task
    assert start.data.token_seen and start.data.inline_seen  # set in the task's environment
    assert start.data.before == "start:from-config" and start.data.after == "ran"
    assert run["skipped"].task.data.value == "memoized"  # `yield {}` skipped the step
    flaky = run["flaky"].task
    assert flaky.data.value == "fallback at attempt 1" and flaky.metadata_dict["attempt"] == "1"
    assert run["handled"].task.data.swallowed is True
    assert run["end"].task.data.secret_in_end is False  # the secret was the start step's only
    for step in run:
        for task in step:
            assert SECRETS["API_TOKEN"] not in task.stdout + task.stderr
            for artifact in task:
                assert SECRETS["API_TOKEN"] not in repr(artifact.data)


def test_show_lists_the_decorators_with_secrets_redacted(workspace):
    shutil.copy(FLOWS / "decorated.py", workspace.root / "decorated.py")
    shown = workspace.run("decorated", "show")
    assert shown.code == 0, shown.output
    assert "@retry(times=2" in shown.stdout and "@timed(label='from-config')" in shown.stdout
    assert "inline(1 values)" in shown.stdout and "inline-secret" not in shown.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["--config", "cfg", "nope.json", "run"], "cannot read the file 'nope.json'"),
        (["--config-value", "cfg", "{bad", "run"], "cannot be parsed (JSONDecodeError"),
        (["--config", "cgf", "x.json", "run"], "has no config 'cgf'"),
        (["--config-value", "cfg", "[1]", "run"], "gives a list, not a mapping"),
        (["--config-value", "cfg", "{}", "run"], "cannot be evaluated: cfg has no key"),
        (["--branch", "Not OK", "run"], "is not a valid branch name"),
        (["run", "--sizes", "1,x"], "'x' is not a valid int"),
    ],
)
def test_mistakes_are_one_line_errors(workspace, args, message):
    _write_config(workspace, CONFIG)
    result = workspace.run("configured", *args)
    assert result.code == 2, result.output
    assert result.stderr.startswith("error: ") and message in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_help_shows_the_new_options(workspace):
    _write_config(workspace, CONFIG)
    top = workspace.run("configured", "--help")
    assert all(o in top.stdout for o in ("--config NAME FILE", "--config-value", "--branch"))
    assert "--production" in top.stdout
    run_help = workspace.run("configured", "run", "--help")
    assert "values separated by ','" in run_help.stdout and "FLOWSCOPE_RUN_SIZES" in run_help.stdout
    assert "computed when the run starts" in run_help.stdout
    assert "--with DECO[:K=V,...]" in run_help.stdout


def test_with_adds_decorators_from_the_command_line(workspace, monkeypatch):
    _write_config(workspace, CONFIG)
    workspace.env["CONFIGURED_FAIL"] = "1"
    result = workspace.run("configured", "run", "--with", "catch:var=failure")
    assert result.code == 0, result.output  # @catch on every step let the run succeed
    run = workspace.client().Flow("ConfiguredFlow").latest_run
    assert run.successful and "asked to fail" in str(run["end"].task.data.failure)


def test_a_foreach_and_its_join_configured_and_decorated(workspace, where, monkeypatch):
    given = json.dumps({"width": 4, "mode": "narrow", "cpu": 1.5})
    result = workspace.run("configured_foreach", *where, "--config-value", "cfg", given, "run")
    assert result.code == 0, result.output
    run = _client(workspace, where, monkeypatch).Flow("ConfiguredForeachFlow").latest_run
    assert run.data.values == [(i, "narrow") for i in range(4)]
    assert run.data.seen_inputs == 4 and run.data.decorated == "join:"
    body = list(run["body"])
    assert len(body) == 4 and {t.data.decorated for t in body} == {"body:narrow"}
    assert {json.loads(t.metadata_dict["resources"])["cpu"] for t in body} == {1.5}
    assert "resources" not in run["join"].task.metadata_dict
