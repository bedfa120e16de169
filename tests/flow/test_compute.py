"""@kubernetes and @batch (flow/compute.py): read as resource requests, noticed at run start."""

from __future__ import annotations

import pytest

from flowscope import FlowSpec, batch, kubernetes, resources, step
from flowscope.errors import FlowDefinitionError
from flowscope.flow.compute import notices
from flowscope.flow.resources import declared_resources, step_resources


class ComputeFlow(FlowSpec):
    @kubernetes(cpu=2, memory=8000, disk=20000, image="python:3.11", tolerations=[])
    @step
    def start(self) -> None:
        self.next(self.train)

    @resources(cpu=8, memory=2000)
    @batch(cpu=4, memory=16000, gpu=1, queue="gpu-jobs")
    @step
    def train(self) -> None:
        self.next(self.end)

    @kubernetes
    @step
    def end(self) -> None:
        pass


def test_their_requests_count_as_resources_and_the_larger_wins() -> None:
    start = step_resources(ComputeFlow, "start")
    assert (start.cpu, start.memory, start.gpu, start.disk) == (2.0, 8000, 0, 20000)
    train = step_resources(ComputeFlow, "train")
    assert (train.cpu, train.memory, train.gpu) == (8.0, 16000, 1)
    assert declared_resources(ComputeFlow, "end") is not None  # bare: the defaults
    assert step_resources(ComputeFlow, "end").cpu == 1


def test_other_attributes_are_kept_for_display() -> None:
    (deco,) = ComputeFlow.start.decorators
    assert deco.attributes()["image"] == "python:3.11"
    assert repr(deco).startswith("kubernetes(cpu=2.0, memory=8000, disk=20000, image=")


def test_the_notice_names_the_steps_and_where_they_run() -> None:
    assert notices(ComputeFlow, "on the Dask cluster") == [
        "@batch on step 'train': flowscope has no AWS Batch executor; the step runs on the "
        "Dask cluster, its cpu/memory/gpu/disk counted as @resources.",
        "@kubernetes on steps 'end', 'start': flowscope has no Kubernetes executor; these "
        "steps run on the Dask cluster, their cpu/memory/gpu/disk counted as @resources.",
    ]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: kubernetes(queue="q"), "@kubernetes has no attribute 'queue'"),
        (lambda: batch(node_selector={}), "@batch has no attribute 'node_selector'"),
    ],
)
def test_an_attribute_the_layer_does_not_have_is_refused(make, message: str) -> None:
    with pytest.raises(FlowDefinitionError, match=message):
        make()


@pytest.mark.parametrize("bad", [{"cpu": 0}, {"memory": "lots"}, {"gpu": -1}, {"cpu": True}])
def test_a_bad_request_is_refused_on_its_step(bad: dict[str, object]) -> None:
    def start(self: FlowSpec) -> None:
        pass

    with pytest.raises(FlowDefinitionError, match="on step 'start'.*expected a positive number"):
        kubernetes(**bad)(step(start))
