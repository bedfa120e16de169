"""`flowscope.compare(runs)`: N runs side by side in a pandas DataFrame.

    compare([Run("TrainFlow/41"), Run("TrainFlow/42")])
                    TrainFlow/41  TrainFlow/42
    status             succeeded        failed
    duration               12.5          30.1
    params.alpha            0.1           0.2
    data.score              0.9          None

Rows: the run's status, user, start time and duration, then `params.NAME` for every
parameter and `data.NAME` for every small scalar artifact of the end task (bool, int, float,
str up to 256 characters, None), in any of the runs; a value a run lacks is None. Columns:
the runs' pathspecs, in the order given. Metadata queries per run: the run, its parameters,
its end task and that task's artifact index; blobs read: the scalar artifacts only. pandas
is imported here only, when called.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from flowscope.client.base import to_datetime, visible
from flowscope.client.diff_io import check_runs, load_scalars
from flowscope.client.diff_logic import MAX_SCALAR_STR, is_scalar
from flowscope.errors import ComparisonError

if TYPE_CHECKING:
    import pandas  # type: ignore[import-untyped, unused-ignore]

    from flowscope.client.run import Run  # for its type only
    from flowscope.metastore.records import ArtifactRecord

END_STEP = "end"
RUN_ROWS = ("status", "user", "started_at", "duration")


def compare(runs: Iterable[Run]) -> pandas.DataFrame:
    """N runs side by side: a row per fact, parameter and scalar artifact, a column per run."""
    try:
        import pandas
    except ImportError:
        raise ComparisonError(
            "flowscope.compare needs pandas: pip install 'flowscope[data]' (or pandas)."
        ) from None
    if isinstance(runs, str) or not isinstance(runs, Iterable):
        raise ComparisonError(
            f"flowscope.compare takes a list of Run objects, not {type(runs).__name__} "
            f"{runs!r:.60}."
        )
    checked = check_runs(runs, "flowscope.compare", one_flow=False)
    if not checked:
        raise ComparisonError("flowscope.compare needs at least one run; it got none.")
    columns = {run.pathspec: column(run) for run in checked}
    names = sorted({n for c in columns.values() for n in c if n not in RUN_ROWS}, key=_order)
    index = [*RUN_ROWS, *names]
    data = {path: [c.get(n) for n in index] for path, c in columns.items()}
    return pandas.DataFrame(data, index=pandas.Index(index, name="field"), dtype=object)


def _order(name: str) -> tuple[int, str]:
    return (0 if name.startswith("params.") else 1, name)


def column(run: Run) -> dict[str, Any]:
    """One run's facts, parameters (`params.x`) and end-task scalars (`data.x`)."""
    flow, run_id = run.path_components
    provider = run._provider
    record = run._fetch()
    duration = None if record.finished_at is None else record.finished_at - record.created_at
    out: dict[str, Any] = {
        "status": record.status,
        "user": record.user,
        "started_at": to_datetime(record.created_at),
        "duration": duration,
    }
    for name, value in provider.get_parameters(flow, int(run_id)).items():
        out[f"params.{name}"] = value
    scalars = [a for a in _end_artifacts(run) if visible(a.name) and is_scalar(a)]
    values = load_scalars([provider], scalars, [record]) if scalars else {}
    for artifact in scalars:
        value = values.get(artifact.sha)
        if isinstance(value, str) and len(value) > MAX_SCALAR_STR:
            continue
        out[f"data.{artifact.name}"] = value
    return out


def _end_artifacts(run: Run) -> list[ArtifactRecord]:
    flow, run_id = run.path_components
    provider = run._provider
    tasks = provider.list_tasks(flow, int(run_id), END_STEP)
    if not tasks:
        return []
    task = tasks[0]
    return provider.list_artifacts(flow, int(run_id), task.task_id, task.attempt)
