"""flowscope: workflows as Python classes, and a notebook-friendly client to inspect them.

    from flowscope import FlowSpec, step          # write a flow
    from flowscope import Flow, namespace         # inspect its runs

Public names are loaded on first use, so `import flowscope` stays fast and pulls in no
database driver, HTTP client or web framework.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {
    # authoring
    "FlowSpec": "flowscope.flow",
    "IncludeFile": "flowscope.flow",
    "JSONType": "flowscope.flow",
    "Parameter": "flowscope.flow",
    "catch": "flowscope.flow",
    "current": "flowscope.flow",
    "retry": "flowscope.flow",
    "step": "flowscope.flow",
    "timeout": "flowscope.flow",
    # inspecting
    "DataArtifact": "flowscope.client",
    "Flow": "flowscope.client",
    "Metaflow": "flowscope.client",
    "Run": "flowscope.client",
    "Step": "flowscope.client",
    "Task": "flowscope.client",
    "default_metadata": "flowscope.client",
    "default_namespace": "flowscope.client",
    "get_metadata": "flowscope.client",
    "get_namespace": "flowscope.client",
    "metadata": "flowscope.client",
    "namespace": "flowscope.client",
    # errors
    "FlowscopeError": "flowscope.errors",
    "InvalidPathspec": "flowscope.errors",
    "NamespaceMismatch": "flowscope.errors",
    "ObjectNotFound": "flowscope.errors",
}

__all__ = sorted([*_EXPORTS, "__version__"])


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'flowscope' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__


if TYPE_CHECKING:  # pragma: no cover
    from flowscope.client import (
        DataArtifact, Flow, Metaflow, Run, Step, Task, default_metadata, default_namespace,
        get_metadata, get_namespace, metadata, namespace,
    )
    from flowscope.errors import FlowscopeError, InvalidPathspec, NamespaceMismatch, ObjectNotFound
    from flowscope.flow import (
        FlowSpec, IncludeFile, JSONType, Parameter, catch, current, retry, step, timeout,
    )
