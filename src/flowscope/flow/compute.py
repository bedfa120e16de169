"""`@kubernetes` and `@batch`: the family's remote compute layers, read as resource requests.

In the family these send a step to a Kubernetes cluster or to AWS Batch. flowscope has
executors, not compute layers: a run's tasks go where its executor puts them (this machine's
forks, or a Dask cluster, which itself can live on Kubernetes through its own deployment
projects). So a flow written with them runs here unchanged: their `cpu`, `memory`, `gpu` and
`disk` count as the step's @resources (the larger value wins where both give one, as in the
family), the Dask executor places the tasks by them, and every other attribute (image, queue,
node selectors...) is checked by name and kept for display. `notices(flow_cls, executor)`
says, once per run, which steps asked for a compute layer and where they run instead.
`--with kubernetes` / `--with batch` add them to every step, as in the family. Pure.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

from flowscope.errors import FlowDefinitionError
from flowscope.flow.decorators import StepDecorator, _apply, is_step, step_decorators

F = TypeVar("F", bound=Callable[..., Any])

_RESOURCES = ("cpu", "memory", "gpu", "disk")
_KUBERNETES = frozenset(
    {
        "image", "image_pull_policy", "image_pull_secrets", "service_account", "secrets",
        "node_selector", "namespace", "gpu_vendor", "tolerations", "labels", "annotations",
        "use_tmpfs", "tmpfs_tempdir", "tmpfs_size", "tmpfs_path", "persistent_volume_claims",
        "shared_memory", "port", "compute_pool", "hostname_resolution_timeout", "qos",
        "security_context", "executable",
    }
)  # fmt: skip
_BATCH = frozenset(
    {
        "image", "queue", "iam_role", "execution_role", "shared_memory", "max_swap",
        "swappiness", "aws_batch_tags", "inferentia", "trainium", "efa", "use_tmpfs",
        "tmpfs_tempdir", "tmpfs_size", "tmpfs_path", "host_volumes", "efs_volumes",
        "ephemeral_storage", "log_driver", "log_options", "privileged", "executable",
    }
)  # fmt: skip


class ComputeDecorator(StepDecorator):
    """A compute-layer decorator: resource requests plus the layer's own settings."""

    known: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, **attributes: Any) -> None:
        super().__init__()
        unknown = sorted(set(attributes) - set(_RESOURCES) - self.known)
        if unknown:
            raise FlowDefinitionError(
                f"@{self.name} has no attribute {unknown[0]!r}; it takes "
                f"{', '.join((*_RESOURCES, *sorted(self.known)))}."
            )
        self.cpu = attributes.pop("cpu", None)
        self.memory = attributes.pop("memory", None)
        self.gpu = attributes.pop("gpu", None)
        self.disk = attributes.pop("disk", None)
        self.settings = attributes

    def attributes(self) -> dict[str, Any]:
        given = {k: getattr(self, k) for k in _RESOURCES if getattr(self, k) is not None}
        return {**given, **self.settings}

    def _validate(self) -> None:
        for attribute in _RESOURCES:
            value = getattr(self, attribute)
            if value is None:
                continue
            try:
                if isinstance(value, bool):
                    raise ValueError
                number = float(value) if attribute == "cpu" else int(str(value))
            except (TypeError, ValueError):
                number = -1
            if number < 0 or (attribute in ("cpu", "memory", "disk") and number == 0):
                raise self._invalid(attribute, value, "a positive number")
            setattr(self, attribute, number)

    def requests(self) -> dict[str, float]:
        """The resources this decorator asks for, by @resources' names."""
        return {k: getattr(self, k) for k in _RESOURCES if getattr(self, k) is not None}


class KubernetesDecorator(ComputeDecorator):
    name = "kubernetes"
    known = _KUBERNETES


class BatchDecorator(ComputeDecorator):
    name = "batch"
    known = _BATCH


def kubernetes(func: Any = None, /, **attributes: Any) -> Any:
    """The family's @kubernetes: its cpu/memory/gpu/disk count as @resources here."""
    return _apply(KubernetesDecorator(**attributes), func)


def batch(func: Any = None, /, **attributes: Any) -> Any:
    """The family's @batch: its cpu/memory/gpu count as @resources here."""
    return _apply(BatchDecorator(**attributes), func)


def compute_requests(func: Callable[..., Any]) -> dict[str, float]:
    """The largest of each resource the step's compute decorators ask for."""
    found: dict[str, float] = {}
    for deco in step_decorators(func):
        if isinstance(deco, ComputeDecorator):
            for key, value in deco.requests().items():
                found[key] = max(found.get(key, value), value)
    return found


def notices(flow_cls: type, where: str) -> list[str]:
    """What to tell the user once at run start: the steps with a compute layer, and `where`
    (the executor's description) they run instead. Empty for a flow without one."""
    by_layer: dict[str, list[str]] = {}
    for name in sorted(dir(flow_cls)):
        func = getattr(flow_cls, name, None)
        if func is None or not is_step(func):
            continue
        for deco in step_decorators(func):
            if isinstance(deco, ComputeDecorator):
                by_layer.setdefault(deco.name, []).append(name)
    return [_notice(layer, steps, where) for layer, steps in sorted(by_layer.items())]


def _notice(layer: str, steps: list[str], where: str) -> str:
    title = {"kubernetes": "Kubernetes", "batch": "AWS Batch"}.get(layer, layer)
    named = ", ".join(f"'{s}'" for s in steps)
    if len(steps) == 1:
        return (
            f"@{layer} on step {named}: flowscope has no {title} executor; the step runs "
            f"{where}, its cpu/memory/gpu/disk counted as @resources."
        )
    return (
        f"@{layer} on steps {named}: flowscope has no {title} executor; these steps run "
        f"{where}, their cpu/memory/gpu/disk counted as @resources."
    )
