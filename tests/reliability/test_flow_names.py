"""One rule for names (issue 10, item 8): flow, step and artifact names are ASCII Python
identifiers of at most 200 characters - what a pathspec can address. The runtime refuses
anything else when the run starts (before anything is written), so no run is recorded that
the client, the CLI or the service cannot name; all of them apply the same rule."""

from __future__ import annotations

import sys
import textwrap
from typing import Any

import pytest

from flowscope.errors import FlowscopeError, InvalidPathspec
from flowscope.flow.names import is_identifier
from flowscope.pathspec import MAX_ID_LENGTH, check_id

from .helpers import Project, Result

FLOW = """
from flowscope import FlowSpec, step


class NAME(FlowSpec):
    @step
    def start(self):
        setattr(self, ARTIFACT, 1)
        self.next(self.STEP)

    @step
    def STEP(self):
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    NAME()
"""

LONG = "L" * (MAX_ID_LENGTH - 3) + "Flow"  # 201 characters, a valid Python identifier


def flow_file(project: Project, name: str, step: str = "middle", artifact: str = "x") -> None:
    source = FLOW.replace("NAME", name).replace("STEP", step).replace("ARTIFACT", repr(artifact))
    (project.root / "named.py").write_text(textwrap.dedent(source), encoding="utf-8")


def refused(result: Result, *needles: str) -> str:
    assert result.code != 0, result.output
    assert "Traceback" not in result.output, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, result.output
    for needle in needles:
        assert needle in errors[0], (needle, errors[0])
    return errors[0]


@pytest.mark.parametrize("name", ["ÄpfelFlow", "ПотокFlow", LONG])
def test_a_flow_name_no_pathspec_can_address_is_refused_at_run_start(
    project: Project, name: str
) -> None:
    flow_file(project, name)
    shown = name if name.isascii() else None
    message = refused(project.run("named", "run"), "ASCII", str(MAX_ID_LENGTH))
    assert shown is None or shown[:40] in message
    assert not project.store.exists(), "a refused run created the store"
    refused(project.run("named", "check"), "ASCII")


def test_a_step_name_no_pathspec_can_address_is_refused(project: Project) -> None:
    flow_file(project, "StepFlow", step="schritt_ä")
    refused(project.run("named", "run"), "schritt_ä", "ASCII")
    assert not project.store.exists()


@pytest.mark.parametrize("artifact", ["größe", "a" * 201, "not an identifier"])
def test_an_artifact_name_no_pathspec_can_address_fails_its_task(
    project: Project, artifact: str
) -> None:
    flow_file(project, "ArtifactFlow", artifact=artifact)
    result = project.run("named", "run")
    assert result.code == 1 and "ASCII" in result.output, result.output
    run = project.client().Flow("ArtifactFlow").latest_run
    task = run["start"].task
    assert not run.successful and artifact[:40] in str(task.exception)


def test_a_valid_name_is_accepted_and_addressable(project: Project) -> None:
    name = "A" * (MAX_ID_LENGTH - 4) + "Flow"  # exactly the limit
    flow_file(project, name, step="s" * MAX_ID_LENGTH, artifact="x" * MAX_ID_LENGTH)
    assert project.run("named", "run").code == 0
    fs = project.client()
    run = fs.Flow(name).latest_run
    assert run.successful
    assert (
        fs.Task(f"{run.pathspec}/start/{run['start'].task.id}").data.__getattr__(
            "x" * MAX_ID_LENGTH
        )
        == 1
    )
    listed = project.call([sys.executable, "-m", "flowscope.cli.main", "runs", name])
    assert listed.code == 0 and run.id in listed.stdout, listed.output


NAMES: list[Any] = [
    "ÄpfelFlow", "ﬁ", "x" * 201, "x" * 200, "a_b", "_a", "A1", "1a", "", "a-b", "class",
    "\u0430", "ok\u200b", None, 3,
]  # fmt: skip


@pytest.mark.parametrize("name", NAMES)
def test_the_runtime_and_the_client_share_one_rule(name: Any) -> None:
    try:
        check_id("flow", name)
        addressable = True
    except InvalidPathspec:
        addressable = False
    assert is_identifier(name) == (addressable and name != "class")


def test_the_service_refuses_an_artifact_name_no_pathspec_can_address() -> None:
    from flowscope.service import bodies

    good = {"name": "x", "sha": "a" * 64, "size": 1, "type_name": "builtins.int",
            "serializer": "pickle"}  # fmt: skip
    assert bodies._artifact(good, "artifacts[0]").name == "x"
    with pytest.raises(FlowscopeError, match="ASCII|identifier"):
        bodies._artifact({**good, "name": "größe"}, "artifacts[0]")
