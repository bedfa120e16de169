"""@exit_hook: functions called when a run ends, as the family's (flow/exit_hook.py, called by
cli/exit_hooks.py), run as a user runs them."""

from __future__ import annotations


def _notes(workspace) -> list[str]:
    path = workspace.root / "hooks.txt"
    return path.read_text().splitlines() if path.exists() else []


def test_success_hooks_run_after_end_and_a_broken_hook_changes_nothing(workspace):
    result = workspace.run("exit_hooks", "run")
    assert result.code == 0, result.output
    assert _notes(workspace) == [
        "end ran",
        "broken hook ran",
        "after broken: True",
        "success: no arguments",
    ]
    assert "The exit hook broken failed: RuntimeError: the hook itself broke" in result.output
    run = workspace.client().Flow("ExitHookFlow").latest_run
    assert run.successful  # the hook's failure is not the run's


def test_error_hooks_get_the_failed_run(workspace):
    result = workspace.run("exit_hooks", "run", "--fail", "true")
    assert result.code == 1
    notes = _notes(workspace)
    assert "end ran" not in notes and "success: no arguments" not in notes
    assert notes[-1] == "error: ExitHookFlow/1 failed=['ExitHookFlow/1/start/2']"
    assert "after broken: False" in notes
    resumed = workspace.run("exit_hooks", "resume")  # still failing: the error hooks again
    assert resumed.code == 1
    assert _notes(workspace)[-1].startswith("error: ExitHookFlow/2 failed=")


def test_a_run_refused_before_it_is_recorded_gives_the_error_hooks_no_run(workspace):
    result = workspace.run("exit_hooks", "run", "--fail", "maybe")  # not a bool
    assert result.code == 2
    assert _notes(workspace) == []  # refused while reading the command line: nothing ran
