"""@parallel gangs on the local runtime: started together, ended together (runtime/gangs.py,
driven by the runner)."""

from __future__ import annotations

import time

from flowscope import FlowSpec, current, parallel, retry, step
from flowscope.runtime.gangs import Gangs, MemberEnd
from flowscope.runtime.spec import Frame, TaskSpec

from .support import run_flow
from .test_runner import artifacts


class GangFlow(FlowSpec):
    @step
    def start(self):
        self.width = 3
        self.next(self.train, num_parallel=self.width)

    @parallel
    @step
    def train(self):
        import os

        self.place = tuple(current.parallel)
        self.flags = (current.is_parallel, self.input, self.index, self.foreach_stack())
        self.pid = os.getpid()
        self.began = time.time()
        time.sleep(0.4)
        self.next(self.join)

    @step
    def join(self, inputs):
        self.places = [i.place for i in inputs]
        self.flags = [i.flags for i in inputs]
        self.pids = {i.pid for i in inputs}
        self.began = [i.began for i in inputs]
        self.after = current.parallel
        self.next(self.end)

    @step
    def end(self):
        pass


def test_a_gang_starts_together_knows_its_places_and_its_join_takes_every_node(tmp_path):
    result, provider, output = run_flow(GangFlow, tmp_path / ".flowscope", max_workers=4)
    assert result.status == "succeeded", output
    tasks = sorted(provider.list_tasks("GangFlow", 1, "train"), key=lambda t: t.task_id)
    ids = [t.task_id for t in tasks]
    assert [t.foreach_index for t in tasks] == [0, 1, 2]
    (join,) = artifacts(provider, "GangFlow", 1, "join")
    assert join["places"] == [("127.0.0.1", 3, i, str(ids[0])) for i in range(3)]
    assert join["flags"] == [(True, i, i, [(i, 3, i)]) for i in range(3)]
    assert len(join["pids"]) == 3 and join["after"] is None
    assert max(join["began"]) - min(join["began"]) < 0.35  # all running at once


def test_a_gang_wider_than_max_workers_still_runs_as_a_whole(tmp_path):
    result, provider, output = run_flow(GangFlow, tmp_path / ".flowscope", max_workers=2)
    assert result.status == "succeeded", output
    (join,) = artifacts(provider, "GangFlow", 1, "join")
    assert max(join["began"]) - min(join["began"]) < 0.35


class FailingGangFlow(FlowSpec):
    @step
    def start(self):
        self.next(self.train, num_parallel=3)

    @parallel
    @step
    def train(self):
        if current.parallel.node_index == 1:
            raise RuntimeError("node 1 broke")
        time.sleep(30)
        self.next(self.join)

    @step
    def join(self, inputs):
        self.next(self.end)

    @step
    def end(self):
        pass


def test_one_failed_node_stops_its_gang_and_fails_the_run(tmp_path):
    began = time.time()
    result, provider, output = run_flow(FailingGangFlow, tmp_path / ".flowscope")
    assert result.status == "failed"
    assert time.time() - began < 15  # the sleeping nodes were stopped, not waited for
    tasks = sorted(provider.list_tasks("FailingGangFlow", 1, "train"), key=lambda t: t.task_id)
    assert [t.status for t in tasks] == ["failed"] * 3
    broken = provider.get_task("FailingGangFlow", 1, tasks[1].task_id, 0)
    assert broken.exception["message"] == "node 1 broke"
    stopped = provider.get_task("FailingGangFlow", 1, tasks[0].task_id, 0)
    assert (
        f"FailingGangFlow/1/train/{tasks[1].task_id} of its @parallel gang failed"
        in (stopped.exception["message"])
    )
    assert "its @parallel gang failed" in output
    assert provider.list_tasks("FailingGangFlow", 1, "join") == []


class RetriedGangFlow(FlowSpec):
    @step
    def start(self):
        self.next(self.train, num_parallel=2)

    @retry(times=1)
    @parallel
    @step
    def train(self):
        if current.parallel.node_index == 1 and current.retry_count == 0:
            raise RuntimeError("first attempt of node 1 fails")
        self.attempt = current.retry_count
        self.next(self.join)

    @step
    def join(self, inputs):
        self.attempts = [i.attempt for i in inputs]
        self.next(self.end)

    @step
    def end(self):
        pass


def test_retry_runs_the_whole_gang_again(tmp_path):
    result, provider, output = run_flow(RetriedGangFlow, tmp_path / ".flowscope")
    assert result.status == "succeeded", output
    tasks = provider.list_tasks("RetriedGangFlow", 1, "train")
    assert sorted(t.attempt for t in tasks) == [1, 1]
    (join,) = artifacts(provider, "RetriedGangFlow", 1, "join")
    assert join["attempts"] == [1, 1]


def test_resume_clones_a_gang_that_succeeded(tmp_path):
    from flowscope.runtime.resume import ResumePlan

    root = tmp_path / ".flowscope"
    first, provider, _ = run_flow(GangFlow, root)
    second, provider, output = run_flow(
        GangFlow, root, resume=ResumePlan(provider, "GangFlow", first.run_id)
    )
    assert second.status == "succeeded" and output.count("cloned from") >= 5
    (join,) = artifacts(provider, "GangFlow", second.run_id, "join")
    assert [p[2] for p in join["places"]] == [0, 1, 2]


def _spec(task_id: int, index: int) -> TaskSpec:
    return TaskSpec(task_id, "train", (Frame("start", index, 2, True),), ())


def test_gang_bookkeeping_holds_ends_until_the_last_and_cancels_on_a_failure():
    gangs = Gangs()
    a, b = gangs.form([_spec(5, 0), _spec(6, 1)])
    assert a.gang == b.gang == (5, 6)
    cancel, ends = gangs.ended(MemberEnd(b, False, [], "F/1/train/6", "broke"))
    assert cancel == [5] and ends is None
    assert gangs.failure(a) is not None and gangs.failure(a).pathspec == "F/1/train/6"
    cancel, ends = gangs.ended(MemberEnd(a, False, [], "F/1/train/5", "stopped"))
    assert cancel == [] and ends is not None and [e.spec.task_id for e in ends] == [5, 6]
    gangs.reset(a)
    assert gangs.failure(b) is None


class GangPerItemFlow(FlowSpec):
    @step
    def start(self):
        self.items = ["a", "b"]
        self.next(self.spread, foreach="items")

    @step
    def spread(self):
        self.item = self.input
        self.next(self.train, num_parallel=2)

    @parallel
    @step
    def train(self):
        self.where = (self.item, current.parallel.node_index, current.parallel.control_task_id)
        self.next(self.gather)

    @step
    def gather(self, inputs):
        self.wheres = [i.where for i in inputs]
        self.merge_artifacts(inputs, include=["item"])
        self.next(self.join)

    @step
    def join(self, inputs):
        self.all = [w for i in inputs for w in i.wheres]
        self.next(self.end)

    @step
    def end(self):
        pass


def test_one_gang_per_foreach_item(tmp_path):
    result, provider, output = run_flow(GangPerItemFlow, tmp_path / ".flowscope")
    assert result.status == "succeeded", output
    (join,) = artifacts(provider, "GangPerItemFlow", 1, "join")
    assert [(item, node) for item, node, _ in join["all"]] == [
        ("a", 0),
        ("a", 1),
        ("b", 0),
        ("b", 1),
    ]
    controls = {item: {c for i, _, c in join["all"] if i == item} for item in "ab"}
    assert all(len(c) == 1 for c in controls.values()) and controls["a"] != controls["b"]
