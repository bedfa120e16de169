"""A RunDiff as plain text, for `print(diff)` and `flowscope diff`. Pure.

    diff HelloFlow/1 -> HelloFlow/2
    run
      ~ status: 'failed' -> 'succeeded'
    parameters
      ~ alpha: 0.1 -> 0.2
    steps
      ~ train  12.00s -> 30.00s  (3 of 1000 tasks differ)
          ~ [7]  HelloFlow/1/train/9 -> HelloFlow/2/train/9
              ~ score: 0.5 -> 0.7
    code
      ~ flow.py
          (unified diff)
    environment
      ~ numpy: '1.26.0' -> '2.0.0'

`+` only in b, `-` only in a, `~` changed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flowscope.client.diff_values import SAME, mark, seconds

if TYPE_CHECKING:
    from flowscope.client.diff import RunDiff
    from flowscope.client.diff_values import StepChange, ValueChange


def _values(title: str, items: tuple[ValueChange, ...], only: bool) -> list[str]:
    kept = [c for c in items if not only or c.state != SAME]
    if not kept:
        return []
    return [title, *(f"  {c.line()}" for c in kept)]


def _step(step: StepChange, only: bool) -> list[str]:
    differing = sum(1 for t in step.tasks if t.state != SAME)
    counts = f"  ({differing} of {len(step.tasks)} tasks differ)" if differing else ""
    lines = [
        f"  {mark(step.state)} {step.name}  {seconds(step.duration.a)} -> "
        f"{seconds(step.duration.b)}{counts}"
    ]
    for task in step.tasks:
        if only and task.state == SAME:
            continue
        lines.append(
            f"      {mark(task.state)} {task.label}  {task.task_a or '—'} -> {task.task_b or '—'}"
        )
        if task.status.state != SAME:
            lines.append(f"          {task.status.line()}")
        for artifact in task.artifacts:
            if not only or artifact.state != SAME:
                lines.append(f"          {artifact.line()}")
    return lines


def render_text(diff: RunDiff, differences_only: bool = True) -> str:
    only = differences_only
    lines = [f"diff {diff.a} -> {diff.b}"]
    if only and diff.identical:
        lines.append("no differences (parameters, artifacts, tasks, code and environment)")
    lines += _values("run", diff.run, only)
    lines += _values("parameters", diff.parameters, only)
    steps = [s for s in diff.steps if not only or s.different]
    if steps:
        lines.append("steps")
        for step in steps:
            lines += _step(step, only)
    code = diff.code
    if not only or code.state != SAME:
        lines.append("code")
        if code.state == SAME:
            lines.append(f"    the same files ({(code.sha_a or 'no package')[:12]})")
        elif not code.files:
            side = "a" if code.sha_a is not None else "b"
            lines.append(f"  {mark(code.state)} only run {side} saved a code package")
        for change in code.files:
            if only and change.state == SAME:
                continue
            lines.append(f"  {mark(change.state)} {change.path}")
            if change.binary:
                lines.append("      binary files differ")
            lines += [f"      {line}" for line in change.diff.splitlines()]
    env = diff.environment
    lines += _values("environment", env.fields, only)
    packages = _values("packages", env.packages, only)
    lines += packages
    return "\n".join(lines) + "\n"
