"""The flow's command line: show, check, logs, dump, tag, and graph errors."""

from __future__ import annotations

import re


def test_show_prints_steps_and_transitions(workspace):
    result = workspace.run("branch", "show")
    assert result.code == 0, result.output
    for name in ("start", "a", "b", "join", "end"):
        assert name in result.stdout


def test_check_validates_without_running(workspace):
    result = workspace.run("branch", "check")
    assert result.code == 0 and "valid" in result.stdout
    assert not (workspace.root / ".flowscope").exists()


def test_show_and_check_understand_switches_and_loops(workspace):
    shown = workspace.run("switch_loop", "show")
    assert shown.code == 0, shown.output
    assert "count_up [switch, may repeat]" in shown.stdout
    assert "=> one of, by the value of self.verdict:" in shown.stdout
    assert "'again' => train  (loops back)" in shown.stdout
    for flow in ("switch_values", "switch_branch", "switch_foreach", "switch_nested"):
        checked = workspace.run(flow, "check")
        assert checked.code == 0 and "valid" in checked.stdout, checked.output
    assert not (workspace.root / ".flowscope").exists()


def test_graph_errors_name_step_and_line_without_a_traceback(workspace):
    for command in ("check", "run"):
        result = workspace.run("broken", command)
        assert result.code == 2, result.output
        assert "Traceback" not in result.output
        assert "middle" in result.stderr and "middel" in result.stderr
        assert re.search(r"line \d+", result.stderr)
    assert not (workspace.root / ".flowscope").exists()


def test_logs_prints_a_tasks_output_and_stderr_with_timestamps(workspace):
    assert workspace.run("linear", "run").code == 0
    out = workspace.run("linear", "logs", "1/start")
    assert out.code == 0 and out.stdout == "hello from start\n"
    err = workspace.run("linear", "logs", "1/middle", "--stderr", "--timestamps")
    assert err.code == 0
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00 to stderr\n", err.stdout)


def test_dump_lists_artifacts_with_sizes(workspace):
    assert workspace.run("linear", "run").code == 0
    result = workspace.run("linear", "dump", "1/end", "--values")
    assert result.code == 0, result.output
    assert re.search(r"\bx\s+\d+ B", result.stdout)
    assert "['start', 'middle', 'end']" in result.stdout


def test_logs_of_a_missing_task_is_a_clear_error(workspace):
    assert workspace.run("linear", "run").code == 0
    result = workspace.run("linear", "logs", "1/nostep")
    assert result.code != 0 and "Traceback" not in result.output
    assert "nostep" in result.stderr
    bad = workspace.run("linear", "logs", "../../etc")
    assert bad.code != 0 and "Traceback" not in bad.output


def test_tag_add_remove_replace_list(workspace):
    assert workspace.run("linear", "run", "--tag", "old").code == 0
    assert workspace.run("linear", "tag", "add", "1", "x", "y").code == 0
    assert workspace.run("linear", "tag", "remove", "1", "x").code == 0
    assert workspace.run("linear", "tag", "replace", "1", "old", "new").code == 0
    listed = workspace.run("linear", "tag", "list", "1")
    assert listed.code == 0
    assert "new, y" in listed.stdout and "old" not in listed.stdout
    system = workspace.run("linear", "tag", "remove", "1", "user:tester")
    assert system.code != 0 and "system tag" in system.stderr and "Traceback" not in system.output
    fs = workspace.client()
    assert set(fs.Run("LinearFlow/1").user_tags) == {"new", "y"}


def test_tasks_run_in_forked_workers_up_to_max_workers_without_reimporting(workspace):
    log = workspace.root / "imports.log"
    workspace.env["IMPORT_LOG"] = str(log)
    result = workspace.run("parallel", "run", "--max-workers", "3")
    assert result.code == 0, result.output
    data = workspace.client().Flow("ParallelFlow").latest_run.data
    # every task in its own process, a child of the runner
    assert len(set(data.pids)) == 8
    assert set(data.parents) == {data.runner_pid}
    # never more than 3 at once, and really in parallel
    events = sorted([(b, 1) for b, _ in data.spans] + [(e, -1) for _, e in data.spans])
    running = peak = 0
    for _, delta in events:
        running += delta
        peak = max(peak, running)
    assert 2 <= peak <= 3
    # the flow module was imported once, by the runner: workers are forks, not fresh interpreters
    assert log.read_text().split() == [str(data.runner_pid)]


def test_run_records_code_package_environment_and_facts(workspace):
    assert workspace.run("linear", "run").code == 0
    run = workspace.client().Flow("LinearFlow").latest_run
    assert "class LinearFlow(FlowSpec)" in run.code.flowspec
    assert run.code.script_name == "linear.py"
    env = run["start"].task.environment_info
    assert env["python_version"] and env["runtime"] == "local" and "flowscope" in env["packages"]
    facts = run["start"].task.metadata_dict
    assert facts["attempt"] == "0" and int(facts["pid"]) > 0


def test_dump_include_file_writes_the_named_values_as_a_pickled_dict(workspace):
    import pickle

    assert workspace.run("foreach", "run", "--n", "3").code == 0
    out = workspace.root / "out.pkl"
    result = workspace.run(
        "foreach", "dump", "1/body", "--include", "item,position", "--file", str(out)
    )
    assert result.code == 0, result.output
    dumped = pickle.loads(out.read_bytes())
    fs = workspace.client()
    expected = {
        f"1/body/{t.id}": {"item": t.data.item, "position": t.data.position}
        for t in fs.Step("ForeachFlow/1/body")
    }
    assert dumped == expected and len(dumped) == 3
    assert sorted(v["item"] for v in dumped.values()) == ["item0", "item1", "item2"]


def test_dump_file_without_include_writes_every_visible_artifact(workspace):
    import pickle

    assert workspace.run("linear", "run").code == 0
    end = workspace.client().Run("LinearFlow/1")["end"].task
    out = workspace.root / "all.pkl"
    assert workspace.run("linear", "dump", f"1/end/{end.id}", "--file", str(out)).code == 0
    values = pickle.loads(out.read_bytes())[f"1/end/{end.id}"]
    assert values["seen"] == ["start", "middle", "end"] and values["x"] == 2
    assert not [name for name in values if name.startswith("_")]


def test_dump_include_lists_only_the_named_artifacts(workspace):
    assert workspace.run("linear", "run").code == 0
    result = workspace.run("linear", "dump", "1/end", "--include", "x", "--values")
    assert result.code == 0, result.output
    assert re.search(r"\bx\s+\d+ B", result.stdout) and "seen" not in result.stdout


def test_dump_include_of_a_missing_artifact_is_a_clear_error(workspace):
    assert workspace.run("linear", "run").code == 0
    out = workspace.root / "never.pkl"
    result = workspace.run("linear", "dump", "1/end", "--include", "sen", "--file", str(out))
    assert result.code != 0 and "Traceback" not in result.output
    assert "'sen'" in result.stderr and "seen" in result.stderr
    assert not out.exists()
    bad = workspace.run("linear", "dump", "1/end", "--include", "../x", "--file", str(out))
    assert bad.code != 0 and "Traceback" not in bad.output and not out.exists()
    nodir = workspace.run("linear", "dump", "1/end", "--file", str(workspace.root / "no/x.pkl"))
    assert nodir.code != 0 and "does not exist" in nodir.stderr


def test_flowscope_dump_include_file(workspace):
    import pickle
    import subprocess
    import sys

    assert workspace.run("linear", "run").code == 0
    out = workspace.root / "cli.pkl"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "flowscope.cli.main",
            "dump",
            "LinearFlow/1/middle",
            "--include",
            "untouched_later,x",
            "--file",
            str(out),
        ],
        cwd=workspace.root,
        env=workspace.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    (values,) = pickle.loads(out.read_bytes()).values()
    assert values == {"untouched_later": "kept", "x": 2}


def test_run_and_resume_write_the_run_id_file(workspace):
    id_file = workspace.root / "run-id"
    result = workspace.run("linear", "run", "--run-id-file", str(id_file))
    assert result.code == 0, result.output
    assert id_file.read_text() == "1"
    again = workspace.run("linear", "resume", "1", "--run-id-file", str(id_file))
    assert again.code == 0, again.output
    assert id_file.read_text() == "2"
    assert workspace.client().Run("LinearFlow/2").origin_pathspec == "LinearFlow/1"


def test_run_id_file_in_a_missing_directory_is_refused_before_the_run(workspace):
    result = workspace.run("linear", "run", "--run-id-file", str(workspace.root / "no" / "id"))
    assert result.code != 0 and "Traceback" not in result.output
    assert "does not exist" in result.stderr
    assert not (workspace.root / ".flowscope").exists()
