"""The family's other top-level names, in a flow run as a user runs it: @schedule, @trigger and
@trigger_on_finish (inert locally, as in the family), parallel_map inside a step, profile,
USER_SKIP_STEP."""

from __future__ import annotations


def test_a_flow_with_deploy_decorators_and_step_helpers_runs_locally(workspace):
    result = workspace.run("family_extras", "run")
    assert result.code == 0, result.output
    assert "PROFILE: squares starting" in result.stdout
    assert "PROFILE: squares completed in" in result.stdout
    run = workspace.client().Flow("FamilyExtrasFlow").latest_run
    assert run["start"].task.data.squares == [100, 101, 104, 109, 116]
    assert run.data.skipped_ran is False
    assert run.data.stamp == "done:end"  # a class-based user decorator
