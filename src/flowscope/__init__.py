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
    "Config": "flowscope.flow",
    "FlowMutator": "flowscope.flow",
    "FlowSpec": "flowscope.flow",
    "StepMutator": "flowscope.flow",
    "config_expr": "flowscope.flow",
    "environment": "flowscope.flow",
    "exit_hook": "flowscope.flow.exit_hook",
    "project": "flowscope.flow",
    "resources": "flowscope.flow",
    "secrets": "flowscope.flow",
    "user_step_decorator": "flowscope.flow",
    "IncludeFile": "flowscope.flow",
    "JSONType": "flowscope.flow",
    "Parameter": "flowscope.flow",
    "card": "flowscope.flow",
    "catch": "flowscope.flow",
    "current": "flowscope.flow",
    "parallel": "flowscope.flow",
    "retry": "flowscope.flow",
    "step": "flowscope.flow",
    "timeout": "flowscope.flow",
    "ConfigValue": "flowscope.flow",
    "JSONTypeClass": "flowscope.flow.parameters",
    "USER_SKIP_STEP": "flowscope.flow.user_decorators",
    "UserStepDecorator": "flowscope.flow.user_classes",
    "schedule": "flowscope.flow.deployment",
    "trigger": "flowscope.flow.deployment",
    "trigger_on_finish": "flowscope.flow.deployment",
    "batch": "flowscope.flow.compute",
    "kubernetes": "flowscope.flow.compute",
    "conda": "flowscope.flow.packages",
    "conda_base": "flowscope.flow.packages",
    "pypi": "flowscope.flow.packages",
    "pypi_base": "flowscope.flow.packages",
    # data tools
    "S3": "flowscope.datatools",
    "parallel_map": "flowscope.multicore",
    "parallel_imap_unordered": "flowscope.multicore",
    "profile": "flowscope.profiling",
    # inspecting
    "DataArtifact": "flowscope.client",
    "Flow": "flowscope.client",
    "Metaflow": "flowscope.client",
    "Run": "flowscope.client",
    "Step": "flowscope.client",
    "Task": "flowscope.client",
    "compare": "flowscope.client",
    "default_metadata": "flowscope.client",
    "default_namespace": "flowscope.client",
    "inspect_spin": "flowscope.client",
    "get_metadata": "flowscope.client",
    "get_namespace": "flowscope.client",
    "metadata": "flowscope.client",
    "namespace": "flowscope.client",
    # running from Python
    "NBRunner": "flowscope.runner_api",
    "Runner": "flowscope.runner_api",
    # errors
    "FlowscopeError": "flowscope.errors",
    "InvalidPathspec": "flowscope.errors",
    "NamespaceMismatch": "flowscope.errors",
    "ObjectNotFound": "flowscope.errors",
}

__all__ = [
    "Config",
    "ConfigValue",
    "DataArtifact",
    "Flow",
    "FlowMutator",
    "FlowSpec",
    "FlowscopeError",
    "IncludeFile",
    "InvalidPathspec",
    "JSONType",
    "JSONTypeClass",
    "Metaflow",
    "NBRunner",
    "NamespaceMismatch",
    "ObjectNotFound",
    "Parameter",
    "Run",
    "Runner",
    "S3",
    "Step",
    "StepMutator",
    "Task",
    "USER_SKIP_STEP",
    "UserStepDecorator",
    "__version__",
    "batch",
    "card",
    "catch",
    "compare",
    "conda",
    "conda_base",
    "config_expr",
    "current",
    "default_metadata",
    "default_namespace",
    "environment",
    "exit_hook",
    "get_metadata",
    "get_namespace",
    "inspect_spin",
    "kubernetes",
    "metadata",
    "namespace",
    "parallel",
    "parallel_imap_unordered",
    "parallel_map",
    "profile",
    "project",
    "pypi",
    "pypi_base",
    "resources",
    "retry",
    "schedule",
    "secrets",
    "step",
    "timeout",
    "trigger",
    "trigger_on_finish",
    "user_step_decorator",
]


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
        DataArtifact as DataArtifact,
        Flow as Flow,
        Metaflow as Metaflow,
        Run as Run,
        Step as Step,
        Task as Task,
        compare as compare,
        default_metadata as default_metadata,
        default_namespace as default_namespace,
        get_metadata as get_metadata,
        get_namespace as get_namespace,
        inspect_spin as inspect_spin,
        metadata as metadata,
        namespace as namespace,
    )
    from flowscope.datatools import S3 as S3
    from flowscope.errors import (
        FlowscopeError as FlowscopeError,
        InvalidPathspec as InvalidPathspec,
        NamespaceMismatch as NamespaceMismatch,
        ObjectNotFound as ObjectNotFound,
    )
    from flowscope.flow import (
        Config as Config,
        ConfigValue as ConfigValue,
        FlowMutator as FlowMutator,
        FlowSpec as FlowSpec,
        IncludeFile as IncludeFile,
        JSONType as JSONType,
        Parameter as Parameter,
        StepMutator as StepMutator,
        card as card,
        catch as catch,
        config_expr as config_expr,
        current as current,
        environment as environment,
        parallel as parallel,
        project as project,
        resources as resources,
        retry as retry,
        secrets as secrets,
        step as step,
        timeout as timeout,
        user_step_decorator as user_step_decorator,
    )
    from flowscope.flow.compute import batch as batch, kubernetes as kubernetes
    from flowscope.flow.deployment import (
        schedule as schedule,
        trigger as trigger,
        trigger_on_finish as trigger_on_finish,
    )
    from flowscope.flow.exit_hook import exit_hook as exit_hook
    from flowscope.flow.packages import (
        conda as conda,
        conda_base as conda_base,
        pypi as pypi,
        pypi_base as pypi_base,
    )
    from flowscope.flow.parameters import JSONTypeClass as JSONTypeClass
    from flowscope.flow.user_classes import UserStepDecorator as UserStepDecorator
    from flowscope.flow.user_decorators import USER_SKIP_STEP as USER_SKIP_STEP
    from flowscope.multicore import (
        parallel_imap_unordered as parallel_imap_unordered,
        parallel_map as parallel_map,
    )
    from flowscope.profiling import profile as profile
    from flowscope.runner_api import NBRunner as NBRunner, Runner as Runner
