"""What `python flow.py run|resume|show|check` settles before the graph is built: the configs
the flow is prepared with, the parameter values, @project's branch, and for `resume` the
stores and the run it resumes (whose recorded configs it reuses: configs never change for a
run)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flowscope.errors import ParameterError, RunError

if TYPE_CHECKING:
    from flowscope.config import Settings
    from flowscope.flow.config import ParameterContext
    from flowscope.flow.project import ProjectDecorator, ProjectInfo
    from flowscope.runtime.resume import ResumePlan
    from flowscope.stores import Stores


class FlowSession:
    """One command on one flow class (see the module doc)."""

    def __init__(self, flow_cls: type, args: argparse.Namespace, settings: Settings) -> None:
        self.flow_cls = flow_cls
        self.args = args
        self.settings = settings
        self.configs: dict[str, Any] = {}
        self.plan: ResumePlan | None = None
        self.resume_step: str | None = None  # resume STEP: the step to run again from
        self._stores: Stores | None = None

    def prepare(self) -> None:
        """Load the configs (or take the resumed run's) and prepare the class with them."""
        from flowscope.flow.config import flow_configs, load_configs
        from flowscope.flow.prepare import attach_everywhere, prepare

        args = self.args
        if _project_of(self.flow_cls) is None and (args.branch is not None or args.production):
            option = "--branch" if args.branch is not None else "--production"
            raise ParameterError(
                f"{option} is for flows with @project; {self.flow_cls.__name__} has none. Add "
                f"@project(name=...) to the flow class, or drop {option}."
            )
        files, texts = _pairs(args.config, "--config"), _pairs(args.config_value, "--config-value")
        given = set(files) | set(texts)  # the command line wins over the environment
        for name, path in env_configs("FLOW_CONFIG", os.environ).items():
            if name not in given:
                files[name] = path
        for name, value in env_configs("FLOW_CONFIG_VALUE", os.environ).items():
            if name not in given and name not in files:
                texts[name] = value
        configs = flow_configs(self.flow_cls)
        if args.command == "resume":
            if files or texts:
                raise ParameterError(
                    "resume reuses the configs of the run it resumes (a run's configs never "
                    "change); drop --config/--config-value, or start a new run with them."
                )
            self.plan = self._resume_plan()
            recorded = self.plan.parameters
            missing = {n: c for n, c in configs.items() if n not in recorded}
            self.configs = {n: recorded[n] for n in configs if n in recorded}
            if missing:
                loaded = load_configs(self.flow_cls, {}, {}, self.context(), self._base_dirs())
                self.configs.update({n: loaded[n] for n in missing})
                self.plan.parameters.update({n: loaded[n] for n in missing})
        else:
            self.configs = load_configs(
                self.flow_cls, files, texts, self.context(), self._base_dirs()
            )
        prepare(self.flow_cls, self.configs)
        attach_everywhere(self.flow_cls, list(getattr(args, "with_decorators", [])))

    def context(self) -> ParameterContext:
        """What a default function receives."""
        from flowscope.flow.config import ParameterContext

        address = self.args.datastore or self.settings.datastore or self.args.metadata
        address = address or self.settings.service_url or ""
        return ParameterContext(
            flow_name=self.flow_cls.__name__,
            user_name=self.settings.user,
            parameter_name="",
            logger=_log,
            ds_type="http" if address.startswith(("http://", "https://")) else "local",
            configs=dict(self.configs) or None,
        )

    def parameters(self) -> dict[str, Any]:
        """The run's parameter values and configs, by name."""
        from flowscope.flow.run_values import parameter_values, run_parameters

        given = {
            p.name: getattr(self.args, f"param:{p.name}", None)
            for p in run_parameters(self.flow_cls)
        }
        values = parameter_values(self.flow_cls, given, os.environ, self.context())
        values.update(self.configs)
        return values

    def project(self) -> ProjectInfo | None:
        """The run's @project and branch, or None for a flow without @project."""
        decorator = _project_of(self.flow_cls)
        if decorator is None:
            return None
        return decorator.info(
            self.flow_cls.__name__, self.settings.user, self.args.branch, self.args.production
        )

    def stores(self, create: bool = True) -> Stores:
        if self._stores is None:
            from flowscope.stores import open_stores

            self._stores = open_stores(
                self.args.metadata or None,
                self.args.datastore,
                settings=self.settings,
                create=create,
            )
        return self._stores

    def _resume_plan(self) -> ResumePlan:
        from flowscope.runtime.resume import ResumePlan

        provider = self.stores().provider
        name = self.flow_cls.__name__
        self.resume_step, run_id = resume_target(self.args.step, self.args.origin_run_id)
        origin = origin_run(
            provider, name, run_id, self.settings.user, any_end=self.resume_step is not None
        )
        told = self.args.datastore is not None or self.settings.datastore is not None
        record = None if told else provider.get_run(name, origin)
        if record is not None and record.datastore is not None:  # the origin's, unless told
            from flowscope.stores import open_stores

            self.stores().close()
            self._stores = open_stores(
                self.args.metadata or None, record.datastore, settings=self.settings, create=True
            )
            provider = self._stores.provider
        # a live runner heartbeats every interval: three missed ones mean it is gone
        live = 3 * self.settings.heartbeat_interval
        return ResumePlan(provider, name, origin, live_within=live)

    def _base_dirs(self) -> tuple[Path, ...]:
        """Where a config's default file is looked for after the working directory: beside
        the flow file."""
        script = sys.argv[0] if sys.argv else ""
        return (Path(script).resolve().parent,) if script.endswith(".py") else ()


def _pairs(pairs: list[list[str]], option: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for name, value in pairs:
        if name in found:
            raise ParameterError(f"{option} {name} is given twice; give it once.")
        found[name] = value
    return found


def env_configs(kind: str, env: Mapping[str, str]) -> dict[str, str]:
    """Configs given in the environment: FLOWSCOPE_<kind> (or the family's METAFLOW_<kind>)
    holds a JSON object of config names to file paths (FLOW_CONFIG) or to values
    (FLOW_CONFIG_VALUE; a value is an object, or text for the config's parser)."""
    for variable in (f"FLOWSCOPE_{kind}", f"METAFLOW_{kind}"):
        text = env.get(variable)
        if not text:
            continue
        try:
            mapping = json.loads(text)
        except ValueError:
            mapping = None
        if not isinstance(mapping, dict):
            raise ParameterError(
                f"{variable} is not a JSON object of config names to "
                f"{'files' if kind == 'FLOW_CONFIG' else 'values'}, e.g. "
                f"{variable}='{{\"cfg\": ...}}'."
            )
        return {
            str(name): value if isinstance(value, str) else json.dumps(value)
            for name, value in mapping.items()
        }
    return {}


def _log(*parts: object) -> None:
    print(*parts, file=sys.stderr)


def resume_target(step: str | None, origin_run_id: str | None) -> tuple[str | None, str | None]:
    """(STEP, run id) from `resume [STEP] [--origin-run-id ID]`. A step name is an identifier,
    so a positional made of digits is a run id (`resume 3`, as before --origin-run-id)."""
    if step is not None and step.isdigit():
        if origin_run_id is not None and origin_run_id != step:
            raise ParameterError(
                f"resume was given run {step} and --origin-run-id {origin_run_id}; name the "
                f"run once: resume [STEP] --origin-run-id ID."
            )
        return None, step
    return step, origin_run_id


def origin_run(
    provider: Any, flow_name: str, run_id: str | None, user: str, *, any_end: bool = False
) -> int:
    """The run to resume: the one named, else the newest run of `user` that ended without
    succeeding (failed, or lost: its runner died), or, with `any_end` (resume STEP), the newest
    that ended in any way. Never another user's run, never one that is still running; name a
    run to resume one of those."""
    from flowscope.metastore.queries import RunQuery
    from flowscope.pathspec import check_id

    if run_id is not None:
        return int(check_id("run", run_id))
    statuses = ("succeeded", "failed", "lost") if any_end else ("failed", "lost")
    newest = [
        page.items[0].run_id
        for status in statuses
        if (
            page := provider.list_runs(flow_name, RunQuery(status=status, user=user, limit=1))
        ).items
    ]
    if not newest:
        which = "finished" if any_end else "failed"
        raise RunError(
            f"There is no {which} run of {flow_name} by user '{user}' to resume; name the run "
            f"to resume (resume --origin-run-id ID), or start one with `run`."
        )
    return int(max(newest))


def _project_of(flow_cls: type) -> ProjectDecorator | None:
    """The flow's @project, or None; flow/project.py loads only for a flow with flow-level
    decorators (most flows have none)."""
    from flowscope.flow.decorators import flow_decorators

    if not flow_decorators(flow_cls):
        return None
    from flowscope.flow.project import project_of

    return project_of(flow_cls)
