"""@pypi/@conda and @kubernetes/@batch in a real run (flows/family_env.py)."""

from __future__ import annotations

import json


def test_a_flow_with_the_familys_environment_decorators_runs_where_its_pins_hold(workspace):
    result = workspace.run("family_env", "--environment=pypi", "run")
    assert result.code == 0, result.output
    notes = [line for line in result.stderr.splitlines() if line.startswith("note: ")]
    assert notes == [
        "note: @batch on step 'end': flowscope has no AWS Batch executor; the step runs on "
        "this machine, its cpu/memory/gpu/disk counted as @resources.",
        "note: @kubernetes on step 'start': flowscope has no Kubernetes executor; the step runs "
        "on this machine, its cpu/memory/gpu/disk counted as @resources.",
    ]
    run = workspace.client().Flow("FamilyEnvFlow").latest_run
    assert run.successful and run.trigger is None and run.data.trigger_seen is None
    start = json.loads(run["start"].task.metadata_dict["resources"])
    end = json.loads(run["end"].task.metadata_dict["resources"])
    assert (start["cpu"], start["memory"]) == (2.0, 8000)
    assert (end["cpu"], end["memory"]) == (4.0, 16000)  # the larger of @batch's and @resources'


def test_an_unmet_pin_is_refused_by_name_before_anything_is_recorded(workspace):
    workspace.env["FAMILY_ENV_MISSING"] = "1"
    result = workspace.run("family_env", "run")
    assert result.code == 2, result.output
    assert "step 'middle': flowscope-no-such-package==1.0 (not installed)" in result.stderr
    assert "pip install 'flowscope-no-such-package==1.0'" in result.stderr
    assert "Traceback" not in result.output
    assert not (workspace.root / ".flowscope").exists()  # no store, no run: nothing began
