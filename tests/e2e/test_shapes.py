"""Graph shapes, run as subprocesses and asserted through the client API."""

from __future__ import annotations


def test_linear_flow_records_every_step_and_artifacts_flow_on(workspace):
    result = workspace.run("linear", "run", "--tag", "first")
    assert result.code == 0, result.output
    assert "[LinearFlow/1/start/" in result.stdout and "hello from start" in result.stdout
    fs = workspace.client()
    run = fs.Flow("LinearFlow").latest_successful_run
    assert run.id == "1" and run.successful and run.finished
    assert "first" in run.tags and "user:tester" in run.system_tags
    assert run.data.x == 2
    assert run.data.seen == ["start", "middle", "end"]
    assert run.data.untouched_later == "kept"
    assert run.data.pathspec_seen == run.end_task.pathspec
    assert [s.id for s in run] == ["end", "middle", "start"]
    middle = run["middle"].task
    assert middle.stderr == "to stderr\n"
    assert run["start"].task.stdout == "hello from start\n"
    # an artifact carried on unchanged is the same blob, not a copy
    assert run["middle"].task["untouched_later"].sha == run.end_task["untouched_later"].sha


def test_run_ids_increase_per_flow(workspace):
    for _ in range(3):
        assert workspace.run("linear", "run").code == 0
    fs = workspace.client()
    assert [r.id for r in fs.Flow("LinearFlow")] == ["3", "2", "1"]


def test_static_branch_join_sees_inputs_by_name_and_in_order(workspace):
    result = workspace.run("branch", "run")
    assert result.code == 0, result.output
    data = workspace.client().Flow("BranchFlow").latest_run.data
    assert data.by_name == (11, 12)
    assert data.in_order == [11, 12]
    assert data.base == 10 and data.shared == "same"
    assert "value" not in data


def test_foreach_runs_one_task_per_item_and_join_keeps_index_order(workspace):
    result = workspace.run("foreach", "run", "--n", "7", "--max-workers", "3")
    assert result.code == 0, result.output
    run = workspace.client().Flow("ForeachFlow").latest_run
    assert run.data.collected == [f"item{i}" for i in range(7)]
    assert run.data.positions == list(range(7))
    assert run.data.input_indexes == list(range(7))
    tasks = list(run["body"])
    assert len(tasks) == 7
    assert sorted(t.index for t in tasks) == list(range(7))
    assert all(t.data.item == f"item{t.index}" for t in tasks)
    assert run["body"].task.index == 0
    assert run["start"].task.index is None


def test_nested_foreach(workspace):
    result = workspace.run("nested", "run")
    assert result.code == 0, result.output
    run = workspace.client().Flow("NestedFlow").latest_run
    assert run.data.table == {1: [10, 20, 30], 2: [20, 40, 60]}
    assert len(list(run["inner"])) == 6
    assert len(list(run["inner_join"])) == 2


def test_wide_foreach_prints_progress_not_every_task(workspace):
    result = workspace.run("foreach", "run", "--n", "40")
    assert result.code == 0, result.output
    assert "step body: 40/40 tasks done" in result.stdout
    assert result.stdout.count("] started") < 40


def test_a_parallel_step_runs_as_a_gang_and_its_join_takes_every_node(workspace):
    result = workspace.run("gang", "run", "--width", "4", "--max-workers", "2")
    assert result.code == 0, result.output
    run = workspace.client().Flow("GangFlow").latest_run
    tasks = sorted(run["train"], key=lambda t: t.index)
    assert [t.index for t in tasks] == [0, 1, 2, 3]
    assert [t.data.node for t in tasks] == [0, 1, 2, 3]
    assert {(t.data.num_nodes, t.data.main_ip) for t in tasks} == {(4, "127.0.0.1")}
    assert [t.stdout for t in tasks] == [f"node {i} of 4\n" for i in range(4)]
    assert run.data.nodes == [0, 1, 2, 3]
    assert run.data.controls == [tasks[0].id]  # node 0 is the control task
    assert [p.id for p in run["join"].task.parent_tasks] == [t.id for t in tasks]
    assert [t.data.env for t in tasks] == [  # the family's variables, for code that reads them
        {
            "MF_PARALLEL_MAIN_IP": "127.0.0.1",
            "MF_PARALLEL_NUM_NODES": "4",
            "MF_PARALLEL_NODE_INDEX": str(i),
            "MF_PARALLEL_CONTROL_TASK_ID": tasks[0].id,
        }
        for i in range(4)
    ]


def test_show_marks_the_parallel_step(workspace):
    result = workspace.run("gang", "show")
    assert result.code == 0, result.output
    assert "train [parallel] @parallel()" in result.stdout
    assert "(num_parallel: a gang of tasks)" in result.stdout
