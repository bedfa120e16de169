"""The family's spellings of `python flow.py` options, run as a user runs them: the kinds of
store (`--metadata local`, `--datastore s3`), `--environment`, top-level `--with`,
`--no-pylint`, `--max-num-splits`, `--max-log-size`, `run --namespace`, and run options from
the environment."""

from __future__ import annotations


def test_a_family_command_line_runs_unchanged(workspace):
    result = workspace.run(
        "family_cli",
        "--no-pylint",
        "--metadata=local",
        "--datastore=local",
        "--environment=local",
        "--with",
        "card",
        "run",
        "--max-num-splits",
        "5",
        "--max-workers",
        "2",
        "--namespace",
        "team:vision",
    )
    assert result.code == 0, result.output
    assert not (workspace.root / "local").exists()  # `local` is a kind of store, not a directory
    run = workspace.client().Flow("FamilyCliFlow").latest_run
    assert run.successful and run.data.total == 3
    assert run["start"].task.data.seen_namespace == "team:vision"
    from flowscope.cards import get_cards

    assert len(get_cards(run["end"].task)) == 1  # the top-level --with gave every step a card


def test_the_global_namespace_is_an_empty_namespace(workspace):
    assert workspace.run("family_cli", "run", "--namespace=").code == 0
    run = workspace.client().Flow("FamilyCliFlow").latest_run
    assert run["start"].task.data.seen_namespace is None


def test_a_foreach_wider_than_max_num_splits_fails_naming_the_option(workspace):
    result = workspace.run("family_cli", "run", "--n", "12", "--max-num-splits", "10")
    assert result.code == 1
    assert "splits into 12 tasks" in result.output
    assert "--max-num-splits 12" in result.output
    run = workspace.client().Flow("FamilyCliFlow").latest_run
    assert not run.successful
    assert "--max-num-splits" in run["start"].task.exception.message
    assert "body" not in [s.id for s in run]  # no task of the split was started


def test_run_options_come_from_the_environment_too(workspace):
    workspace.env["METAFLOW_RUN_MAX_NUM_SPLITS"] = "2"
    result = workspace.run("family_cli", "run")
    assert result.code == 1 and "--max-num-splits 3" in result.output
    workspace.env["FLOWSCOPE_RUN_MAX_NUM_SPLITS"] = "3"  # ours first, then the family's
    assert workspace.run("family_cli", "run").code == 0
    assert workspace.run("family_cli", "run", "--max-num-splits", "2").code == 1  # flag wins


def test_a_bad_number_in_the_environment_is_named(workspace):
    workspace.env["FLOWSCOPE_RUN_MAX_WORKERS"] = "lots"
    result = workspace.run("family_cli", "run")
    assert result.code == 2 and "Traceback" not in result.output
    assert "FLOWSCOPE_RUN_MAX_WORKERS='lots' is not a number" in result.stderr
    assert not (workspace.root / ".flowscope").exists()


def test_max_log_size_keeps_the_start_and_the_end_of_a_tasks_output(workspace):
    # 20,000 lines of 20 bytes: 400 KB, against a 0.05 MB (52,428 bytes) bound
    result = workspace.run("family_cli", "run", "--chatter", "20000", "--max-log-size", "0.05")
    assert result.code == 0, result.stderr[-2000:]
    stdout = workspace.client().Flow("FamilyCliFlow").latest_run["start"].task.stdout
    lines = stdout.splitlines()
    assert lines[0] == "chatter line 000000"
    assert lines[-1] == "chatter line 019999"  # the end is kept
    marker = [x for x in lines if x.startswith("[flowscope:")]
    assert (
        len(marker) == 1 and "left out here to keep it within --max-log-size (51.2 KB)" in marker[0]
    )
    assert sum(len(x) for x in lines if x not in marker) <= 0.05 * 1024 * 1024
    shown = workspace.run("family_cli", "logs", "1/start")
    assert shown.code == 0 and "left out" in shown.stdout


def test_choices_flowscope_does_not_have_are_refused_before_anything_runs(workspace):
    cases = {
        ("--environment", "uv"): "builds no uv environments",
        ("--datastore", "s3"): "--datastore s3 needs a bucket",
        ("--datastore", "gs"): "gs is not one of them",
        ("--metadata", "service"): "set FLOWSCOPE_SERVICE_URL",
        ("--datastore", "s3", "--datastore-root", "/tmp/x"): "an S3 root starts with s3://",
    }
    for options, message in cases.items():
        result = workspace.run("family_cli", *options, "run")
        assert result.code == 2, (options, result.output)
        assert message in result.stderr and "Traceback" not in result.output
    for options in (("--max-num-splits", "0"), ("--max-log-size", "0")):
        result = workspace.run("family_cli", "run", *options)
        assert result.code == 2 and "must be" in result.stderr, result.output
    assert not (workspace.root / ".flowscope").exists()
