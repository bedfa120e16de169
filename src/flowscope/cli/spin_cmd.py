"""`python flow.py spin STEP | RUN/STEP/TASK`: run one step again on a past task's inputs.

    python train.py spin train                  # the first train task of your latest run
    python train.py spin 12/train/40            # the inputs task 40 of run 12 had
    python train.py spin train --artifacts-module overrides.py   # ARTIFACTS = {"k": 15}
    python train.py spin train --persist        # keep it: flowscope.inspect_spin(".")

As in the family, a spin records nothing in the run's stores and changes none of its data:
its output is shown as it comes and, with `--persist`, the task and its artifacts are kept
as a run of one task in `./.flowscope_spin` (a store of its own, safe to delete). The step
runs as it is in the flow file now, on the inputs the past task had (its parents'
artifacts, its foreach item, the run's parameters); `ARTIFACTS` in an artifacts module
replace inputs of those names. Running it is flowscope.runtime.spin's.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flowscope.errors import ParameterError, RunError


def add_spin_parser(sub: Any) -> None:
    spin = sub.add_parser(
        "spin",
        help="run one step again on the inputs of a past task",
        description="Run one step again, as it is in the flow file now, on the inputs a past "
        "task had; nothing is recorded in the run's stores.",
        epilog="Examples: spin train (the first train task of your latest run that has one) | "
        "spin 12/train/40 | spin train --artifacts-module overrides.py --persist",
    )
    spin.add_argument("target", metavar="STEP|RUN/STEP/TASK")
    spin.add_argument(
        "--persist",
        action="store_true",
        help="keep the task and its artifacts in ./.flowscope_spin (read them with "
        "flowscope.inspect_spin('.'))",
    )
    spin.add_argument(
        "--artifacts-module",
        metavar="FILE",
        help="a Python file defining ARTIFACTS = {name: value}; those values replace the "
        "inputs of those names",
    )
    spin.add_argument("--run-id-file", metavar="PATH", help=argparse.SUPPRESS)


def spin_command(flow_cls: type, graph: Any, args: argparse.Namespace, session: Any) -> int:
    from flowscope.cli.spin_inputs import find_task, task_spec
    from flowscope.runtime.console import Console

    console = Console(quiet=args.quiet)
    stores = session.stores(create=False)
    overrides = artifact_overrides(args.artifacts_module)
    found = find_task(stores, graph, args.target)
    store, spin_stores = _stores(stores, found.datastore, args.persist, session.settings)
    spec, parameter_task, parameters = task_spec(found, graph, store, overrides)
    from flowscope.runtime.spin import record_spin, spin_task

    console.note(f"Spinning step '{spec.step}' on the inputs of {found.pathspec}.")
    result = spin_task(
        flow_cls,
        graph,
        spec,
        run_id=found.run_id,
        user=session.settings.user,
        parameters=parameters,
        store=store,
        settings=session.settings,
        console=console,
    )
    if spin_stores is not None:
        _copy_missing(store, result, parameter_task)
        run_id = record_spin(
            spin_stores.provider,
            graph,
            spec,
            result,
            user=session.settings.user,
            parameters=parameters,
            parameter_task=parameter_task,
        )
        if args.run_id_file:
            Path(args.run_id_file).write_text(str(run_id))
        console.note(
            f"Kept as {graph.flow_name}/{run_id} in {spin_stores.metadata_address}: read it "
            f"with flowscope.inspect_spin({str(Path.cwd())!r})."
        )
    if result.ok:
        console.note(f"Step '{spec.step}' succeeded in {result.seconds:.2f}s.")
        return 0
    message = (result.outcome.exception or {}).get("message", "it failed")
    console.note(f"Step '{spec.step}' failed in {result.seconds:.2f}s: {message}")
    return 1


def artifact_overrides(path: str | None) -> dict[str, Any]:
    """`ARTIFACTS` of the module at `path`: a dict of artifact names to values."""
    if path is None:
        return {}
    import runpy

    file = Path(path)
    if not file.is_file():
        raise ParameterError(f"--artifacts-module {path}: there is no such file.")
    try:
        namespace = runpy.run_path(str(file))
    except Exception as exc:  # the user's module failed to run: say where, not how we call it
        raise ParameterError(
            f"--artifacts-module {path} raised {type(exc).__name__}: {exc}"
        ) from None
    values = namespace.get("ARTIFACTS")
    if not isinstance(values, Mapping) or not all(isinstance(k, str) for k in values):
        raise ParameterError(
            f"--artifacts-module {path} must define ARTIFACTS as a dict of artifact names to "
            f"values, e.g. ARTIFACTS = {{'k': 15}}; it defines {type(values).__name__}."
        )
    bad = [k for k in values if not k.isidentifier() or k.startswith("_")]
    if bad:
        raise ParameterError(
            f"--artifacts-module {path}: {bad[0]!r} is not an artifact name (a Python "
            f"identifier that does not start with '_')."
        )
    return dict(values)


def _stores(stores: Any, datastore: Any, persist: bool, settings: Any) -> tuple[Any, Any]:
    """The store the spun task reads and writes: the run's blobs beneath, and above them
    memory, or the spin store's own blobs with --persist (with that store's pair)."""
    from flowscope.config import SPIN_DIRNAME
    from flowscope.datastore import ContentStore, MemoryStorage
    from flowscope.datastore.overlay import OverlayStorage
    from flowscope.stores import open_stores

    lower = (datastore or stores.datastore).storage  # the run's data, where it recorded it
    if not persist:
        return ContentStore(OverlayStorage(MemoryStorage(), lower)), None
    spin = open_stores(str(Path.cwd() / SPIN_DIRNAME), None, settings=settings, create=True)
    if os.path.realpath(spin.datastore_address) == os.path.realpath(stores.datastore_address):
        raise RunError(
            "spin --persist would keep its task in the run's own store; run it elsewhere."
        )
    return ContentStore(OverlayStorage(spin.datastore.storage, lower)), spin


def _copy_missing(store: Any, result: Any, parameter_task: Any) -> None:
    """Blobs the kept task refers to that are only in the run's store (artifacts the step
    passed on unchanged, the parameters) are copied up, so the spin store stands alone."""
    overlay = store.storage
    keys = {a.sha for a in result.outcome.artifacts}
    if parameter_task is not None:
        keys |= {a.sha for a in parameter_task.index.values()}
    for key in sorted(keys):
        if not overlay.upper.exists(key):
            overlay.upper.write(key, [overlay.lower.read(key)])
