"""Regression tests for the family's behaviours the runtime got wrong (issue 11, items 2-5),
driven through the real RunDriver over a local store."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from flowscope import FlowSpec, catch, step, timeout

from .support import run_flow
from .test_runner import artifacts


class InputLaterFlow(FlowSpec):
    @step
    def start(self):
        self.items = ["a", "b", "c"]
        self.next(self.first, foreach="items")

    @step
    def first(self):
        self.at_first = self.input
        self.next(self.second)

    @step
    def second(self):
        self.at_second = self.input
        self.next(self.third, self.fourth)

    @step
    def third(self):
        self.at_third = self.input
        self.next(self.branches)

    @step
    def fourth(self):
        self.at_fourth = self.input
        self.next(self.branches)

    @step
    def branches(self, inputs):
        self.merge_artifacts(inputs)
        self.next(self.join)

    @step
    def join(self, inputs):
        self.seen = [(i.at_first, i.at_second, i.at_third, i.at_fourth) for i in inputs]
        self.next(self.end)

    @step
    def end(self):
        pass


def test_self_input_stays_readable_in_every_later_step_of_the_foreach_body(tmp_path: Path):
    result, provider, output = run_flow(InputLaterFlow, tmp_path / ".flowscope")
    assert result.status == "succeeded", output
    (join,) = artifacts(provider, "InputLaterFlow", result.run_id, "join")
    assert join["seen"] == [(x, x, x, x) for x in "abc"]


class TimeoutCatchFlow(FlowSpec):
    @step
    def start(self):
        self.next(self.slow)

    @catch(var="oops")
    @timeout(seconds=1)
    @step
    def slow(self):
        self.before = "set before the timeout"
        self.items = [1, 2, 3]
        time.sleep(30)
        self.after = "never set"
        self.next(self.end)

    @step
    def end(self):
        self.seen_in_end = self.before


@pytest.fixture
def client():
    """Opens the client on a store once a run has created it."""
    import flowscope

    def open_store(root: Path):
        flowscope.metadata(str(root))
        flowscope.namespace(None)
        return flowscope

    yield open_store
    flowscope.default_metadata()
    flowscope.default_namespace()


def test_timeout_with_catch_keeps_the_artifacts_set_before_the_timeout(tmp_path: Path, client):
    began = time.time()
    result, _, output = run_flow(TimeoutCatchFlow, tmp_path / ".flowscope")
    assert result.status == "succeeded", output
    assert time.time() - began < 15
    client = client(tmp_path)
    task = client.Run(result.pathspec)["slow"].task
    assert not task.successful and task.finished
    assert task.data.before == "set before the timeout"
    assert task.data.items == [1, 2, 3]
    assert "after" not in task.data
    assert task.data.oops.type == "builtins.TimeoutError"
    assert "timeout" in task.data.oops.message
    assert client.Run(result.pathspec).data.seen_in_end == "set before the timeout"


class CaughtFlow(FlowSpec):
    @step
    def start(self):
        self.next(self.parse)

    @catch(var="failure")
    @step
    def parse(self):
        import json

        json.loads("{not json")
        self.next(self.end)

    @step
    def end(self):
        pass


def test_the_caught_exception_reads_as_the_familys(tmp_path: Path, client):
    result, _, output = run_flow(CaughtFlow, tmp_path / ".flowscope")
    assert result.status == "succeeded", output
    failure = client(tmp_path).Run(result.pathspec)["parse"].task.data.failure
    # the family's fields: the type as module.Class, the message, the traceback
    assert failure.type == "json.decoder.JSONDecodeError"
    assert failure.exception.startswith("Expecting property name enclosed in double quotes")
    assert failure.stacktrace.startswith("Traceback (most recent call last):")
    assert 'json.loads("{not json")' in failure.stacktrace
    assert failure.stacktrace.rstrip().endswith(f"JSONDecodeError: {failure.exception}")
    # and our own
    assert failure.message == failure.exception and failure.traceback == failure.stacktrace
    assert failure.class_name == "JSONDecodeError" and failure.module == "json.decoder"
    assert str(failure) == f"json.decoder.JSONDecodeError: {failure.exception}"


class SegfaultFlow(FlowSpec):
    @step
    def start(self):
        self.next(self.crash)

    @step
    def crash(self):
        import os
        import signal

        print("about to crash", flush=True)
        os.kill(os.getpid(), signal.SIGSEGV)
        self.next(self.end)

    @step
    def end(self):
        pass


def test_a_segfault_says_so_in_the_tasks_stderr(tmp_path: Path, client):
    result, _, output = run_flow(SegfaultFlow, tmp_path / ".flowscope")
    assert result.status == "failed"
    task = client(tmp_path).Run(result.pathspec)["crash"].task
    assert "SIGSEGV" in task.exception.message
    assert "segmentation fault" in task.stderr.lower()
    assert "killed by SIGSEGV" in task.stderr
    assert "in crash" in task.stderr  # the Python frames of the crash, where they are known
    assert task.stdout == "about to crash\n"
    assert "segmentation fault" in output.lower()  # and the console shows it as it happens
