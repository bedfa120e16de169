"""The compare page: runs side by side (status, duration, parameters, scalar results of the
end step), "differences only", and a chart of each numeric result across the runs.

`compare?runs=F/1,F/2` names the runs; `compare?flow=F&tag=...` takes the newest runs of F
with those tags. Scalar results are the end task's artifacts of type bool, int, float or str
whose stored size is small (`SCALAR_BYTES`); nothing else is loaded. With two runs of one
flow, the client's run diff (`Run.diff`: artifacts by hash, code by file, environment) is
shown too, with the same "differences only" choice.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flowscope.cards.escape import text
from flowscope.errors import FlowscopeError, ObjectNotFound
from flowscope.metastore.queries import RunQuery
from flowscope.pathspec import parse
from flowscope.ui.graph import duration_text
from flowscope.ui.reading import run_duration, run_record

if TYPE_CHECKING:
    from collections.abc import Callable

    from flowscope.datastore import ContentStore
    from flowscope.metastore.records import RunRecord
    from flowscope.stores import Stores

MAX_RUNS = 20
SCALAR_BYTES = 4096
SCALAR_TYPES = ("builtins.int", "builtins.float", "builtins.bool", "builtins.str")


@dataclass
class Comparison:
    runs: list[RunRecord]
    rows: list[tuple[str, list[str], bool]]  # (label, values, differs)
    charts: list[str] = field(default_factory=list)
    diff_html: str | None = None


def parse_runs(spec: str) -> list[tuple[str, int]]:
    """`F/1,F/2` as [(F, 1), (F, 2)], or a FlowscopeError naming what is wrong."""
    names = [s.strip() for s in spec.split(",") if s.strip()]
    if not names:
        raise FlowscopeError("Name the runs to compare: compare?runs=FLOW/1,FLOW/2.")
    if len(names) > MAX_RUNS:
        raise FlowscopeError(f"At most {MAX_RUNS} runs can be compared, got {len(names)}.")
    out = []
    for name in names:
        flow, run_id = parse(name, "run")
        out.append((flow, int(run_id)))
    return out


def runs_matching(stores: Stores, flow: str, tags: list[str]) -> list[tuple[str, int]]:
    if stores.provider.get_flow(flow) is None:
        raise ObjectNotFound(f"Flow('{flow}') does not exist.")
    page = stores.provider.list_runs(flow, RunQuery(tags_all=tuple(tags), limit=MAX_RUNS))
    return [(flow, r.run_id) for r in reversed(page.items)]


def _scalars(stores: Stores, record: RunRecord, datastore: ContentStore) -> dict[str, Any]:
    from flowscope.datastore import load_artifact, load_inline
    from flowscope.metastore.records import inline_bytes

    tasks = stores.provider.list_tasks(record.flow_name, record.run_id, "end")
    if not tasks:
        return {}
    task = tasks[0]
    found: dict[str, Any] = {}
    for art in stores.provider.list_artifacts(
        record.flow_name, record.run_id, task.task_id, task.attempt
    ):
        if art.name.startswith("_") or art.type_name not in SCALAR_TYPES:
            continue
        if art.size > SCALAR_BYTES:
            continue
        try:
            stored = None if art.inline is None else inline_bytes(art.inline)
            if stored is not None:  # came with the record: no datastore read
                where = f"the record of {art.name}"
                found[art.name] = load_inline(art.sha, art.serializer, stored, where)
            else:
                found[art.name] = load_artifact(datastore, art.sha, art.serializer)
        except (FlowscopeError, ValueError, TypeError):
            continue
    return found


def _shown(value: object) -> str:
    if value is None:
        return "–"
    shown = value if isinstance(value, str) else repr(value)
    return shown if len(shown) <= 80 else shown[:80] + "…"


def compare(
    stores: Stores,
    ids: list[tuple[str, int]],
    differences_only: bool = True,
    datastore_for: Callable[[RunRecord], ContentStore] | None = None,
) -> Comparison:
    """The comparison of runs `ids`; `datastore_for(run)` is the content store holding a
    run's blobs (default: the one the run's record names, as every reader picks it)."""
    records = [run_record(stores, flow, run_id) for flow, run_id in ids]
    now = time.time()
    params = [stores.provider.get_parameters(r.flow_name, r.run_id) for r in records]
    if datastore_for is None:
        from flowscope.client.datastores import RunDatastores
        from flowscope.config import Settings

        datastore_for = RunDatastores(stores, Settings.from_env())
    of = datastore_for
    scalars = [_scalars(stores, r, of(r)) for r in records]
    rows: list[tuple[str, list[str], bool]] = []

    def add(label: str, values: list[Any]) -> None:
        shown = [_shown(v) for v in values]
        rows.append((label, shown, len(set(shown)) > 1))

    add("flow", [r.flow_name for r in records])
    add("status", [r.status for r in records])
    add("user", [r.user for r in records])
    add("duration", [duration_text(run_duration(r, now)) for r in records])
    add("tags", [", ".join(sorted(r.user_tags)) for r in records])
    for name in dict.fromkeys(n for p in params for n in p):
        add(f"params.{name}", [p.get(name) for p in params])
    names = list(dict.fromkeys(n for s in scalars for n in s))
    for name in names:
        add(f"data.{name}", [s.get(name) for s in scalars])
    charts = []
    for name in names:
        values = [s.get(name) for s in scalars]
        if any(isinstance(v, (int, float)) for v in values):
            labels = [f"{r.flow_name}/{r.run_id}" for r in records]
            charts.append(bar_chart(f"data.{name}", labels, values))
    return Comparison(records, rows, charts, _diff_html(stores, records, differences_only))


def _diff_html(stores: Stores, records: list[RunRecord], differences_only: bool) -> str | None:
    """The client's diff of two runs of one flow, as its own escaped HTML display."""
    from flowscope.client import Run

    if len(records) != 2 or records[0].flow_name != records[1].flow_name:
        return None
    a, b = (Run._make(stores.provider, None, (r.flow_name, str(r.run_id))) for r in records)
    try:
        return a.diff(b).view(differences_only)._repr_html_()
    except FlowscopeError as exc:
        return f'<p class="fs-note">{text(exc)}</p>'


def bar_chart(title: str, labels: list[str], values: list[object]) -> str:
    """A horizontal bar chart of numeric `values` (others are skipped) as SVG. Pure."""
    numbers = [
        (lab, float(v)) for lab, v in zip(labels, values, strict=True)
        if isinstance(v, (int, float)) and v == v
    ]  # fmt: skip
    if not numbers:
        return ""
    low = min(0.0, *(v for _, v in numbers))
    high = max(0.0, *(v for _, v in numbers))
    span = (high - low) or 1.0
    width, label_w, bar_h = 560, 150, 18
    scale = (width - label_w - 70) / span
    zero = label_w + (0 - low) * scale
    parts = [
        f'<text x="4" y="14" font-size="12" font-weight="bold" font-family="sans-serif">'
        f"{text(title)}</text>"
    ]
    for i, (label, value) in enumerate(numbers):
        y = 24 + i * (bar_h + 4)
        x = zero if value >= 0 else zero + value * scale
        w = max(abs(value) * scale, 1.0)
        parts.append(
            f'<text x="4" y="{y + 13}" font-size="11" font-family="sans-serif">{text(label)}</text>'
            f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="#3b7ddd">'
            f"<title>{text(label)}: {value:g}</title></rect>"
            f'<text x="{x + w + 4:.1f}" y="{y + 13}" font-size="11" '
            f'font-family="sans-serif">{value:g}</text>'
        )
    height = 30 + len(numbers) * (bar_h + 4)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="fs-chart" role="img" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" aria-label="{text(title)}">'
        f"{''.join(parts)}</svg>"
    )
