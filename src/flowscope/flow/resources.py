"""`@resources(cpu=, memory=, gpu=, disk=)`: what a step's tasks need, in one typed place.

The local runtime records the request with each task (the fact `resources`, JSON, readable
as `task.metadata_dict["resources"]`); an executor that places tasks (Dask) reads
`step_resources(flow_cls, step)`. Memory and disk are in megabytes, as in the family. Pure.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar, overload

from flowscope.flow.decorators import StepDecorator, _apply, step_decorators
from flowscope.frozen import Frozen, as_dict, init

F = TypeVar("F", bound=Callable[..., Any])

RESOURCES_FACT = "resources"


class Resources(Frozen):
    """What one task of a step asks for. The defaults are those of a step without
    @resources: one CPU, 4096 MB of memory, no GPU, no disk request."""

    __slots__ = ("cpu", "memory", "gpu", "disk")
    cpu: float
    memory: int
    gpu: int
    disk: int | None

    def __init__(
        self,
        cpu: float = 1,
        memory: int = 4096,
        gpu: int = 0,
        disk: int | None = None,
    ) -> None:
        init(self, "cpu", cpu)
        init(self, "memory", memory)
        init(self, "gpu", gpu)
        init(self, "disk", disk)

    def to_json(self) -> str:
        """The request as the JSON text recorded with each task."""
        return json.dumps(as_dict(self), sort_keys=True)


class ResourcesDecorator(StepDecorator):
    """Ask for CPUs, memory (MB), GPUs and disk (MB) for each task of the step."""

    name = "resources"

    def __init__(
        self, cpu: float = 1, memory: int = 4096, gpu: int = 0, disk: int | None = None
    ) -> None:
        super().__init__()
        self.cpu = cpu
        self.memory = memory
        self.gpu = gpu
        self.disk = disk

    def attributes(self) -> dict[str, Any]:
        return {"cpu": self.cpu, "memory": self.memory, "gpu": self.gpu, "disk": self.disk}

    def _validate(self) -> None:
        self.cpu = self._number("cpu", self.cpu, float, minimum=0, strict=True)
        self.memory = int(self._number("memory", self.memory, int, minimum=1))
        self.gpu = int(self._number("gpu", self.gpu if self.gpu is not None else 0, int))
        if self.disk is not None:
            self.disk = int(self._number("disk", self.disk, int, minimum=1))

    def _number(
        self, attribute: str, value: object, kind: type, minimum: float = 0, strict: bool = False
    ) -> float:
        """`value` as a number (text such as "2" from a config too) of at least `minimum`."""
        try:
            if isinstance(value, bool):
                raise ValueError
            number = float(value) if kind is float else int(str(value))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            number = None
        what = "a number" if kind is float else "a whole number"
        bound = f"> {minimum:g}" if strict else f">= {minimum:g}"
        if number is None or number < minimum or (strict and number <= minimum):
            raise self._invalid(attribute, value, f"{what} {bound}")
        return number

    def request(self) -> Resources:
        return Resources(float(self.cpu), int(self.memory), int(self.gpu), self.disk)


@overload
def resources(func: F, /) -> F: ...
@overload
def resources(
    *, cpu: float = 1, memory: int = 4096, gpu: int = 0, disk: int | None = None
) -> Callable[[F], F]: ...
def resources(
    func: Any = None,
    /,
    *,
    cpu: float = 1,
    memory: int = 4096,
    gpu: int = 0,
    disk: int | None = None,
) -> Any:
    """Ask for resources for each task of the step: CPUs, memory and disk in MB, GPUs."""
    return _apply(ResourcesDecorator(cpu, memory, gpu, disk), func)


def step_resources(flow_cls: type[Any], step: str) -> Resources:
    """What each task of `step` asks for (the defaults when the step has no @resources)."""
    return declared_resources(flow_cls, step) or Resources()


def declared_resources(flow_cls: type[Any], step: str) -> Resources | None:
    """The step's @resources request, or None when it has none. A compute-layer decorator's
    (@kubernetes, @batch: flow/compute.py) requests count too; the larger value wins."""
    func = getattr(flow_cls, step)
    decorators = step_decorators(func)
    request = next((d.request() for d in decorators if isinstance(d, ResourcesDecorator)), None)
    if not any(d.name in ("kubernetes", "batch") for d in decorators):
        return request
    from flowscope.flow.compute import compute_requests

    asked = compute_requests(func)
    base = request or Resources()
    return Resources(
        cpu=max(base.cpu, float(asked.get("cpu", 0))),
        memory=max(base.memory, int(asked.get("memory", 0))),
        gpu=max(base.gpu, int(asked.get("gpu", 0))),
        disk=max(base.disk or 0, int(asked["disk"])) if "disk" in asked else base.disk,
    )
