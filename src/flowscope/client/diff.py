"""RunDiff: what changed from one run of a flow to another, as a typed value. Pure.

    diff = Run("TrainFlow/41").diff(Run("TrainFlow/42"))   # `flowscope diff TrainFlow/41 TrainFlow/42`
    diff.parameters          # ValueChange('alpha', 'changed', 0.1, 0.2), ...
    diff.steps               # StepChange per step: duration, tasks by foreach index, artifacts
    diff.code.files          # FileChange per file of the code package, with a unified diff
    diff.environment         # Python, platform and package versions
    print(diff)              # differences only; diff.text(differences_only=False) for all
    diff.to_dict()           # JSON-ready

The first run is the "a" side (before), the second the "b" side (after): `added` means only
in b, `removed` only in a. Every change carries its `state` ("same", "changed", "added",
"removed"), so a view can keep the differences only. The parts are in diff_values.py;
building a diff is diff_logic.py's job (from metadata snapshots), reading the stores
diff_io.py's; diff_text.py and diff_html.py render it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flowscope.client.diff_html import render_html
from flowscope.client.diff_text import render_text
from flowscope.client.diff_values import (
    SAME,
    CodeChange,
    EnvironmentChange,
    StepChange,
    ValueChange,
)


@dataclass(frozen=True)
class RunDiff:
    """What changed from run `a` to run `b` of `flow` (see the module docstring)."""

    flow: str
    a: str
    b: str
    run: tuple[ValueChange, ...] = ()
    parameters: tuple[ValueChange, ...] = ()
    steps: tuple[StepChange, ...] = ()
    code: CodeChange = field(default_factory=lambda: CodeChange(SAME))
    environment: EnvironmentChange = field(default_factory=EnvironmentChange)

    @property
    def identical(self) -> bool:
        """True when nothing but times differs: parameters, artifacts, tasks, code, environment."""
        return (
            all(c.state == SAME for c in (*self.run, *self.parameters) if c.name != "duration")
            and all(s.state == SAME for s in self.steps)
            and self.code.state == SAME
            and self.environment.state == SAME
        )

    def to_dict(self, differences_only: bool = False) -> dict[str, Any]:
        """The diff as JSON-ready dicts and lists; `differences_only` leaves out what is the
        same (a changed step keeps only its changed tasks and artifacts)."""

        def keep(items: tuple[ValueChange, ...]) -> list[dict[str, Any]]:
            return [c.to_dict() for c in items if not differences_only or c.state != SAME]

        return {
            "flow": self.flow,
            "a": self.a,
            "b": self.b,
            "identical": self.identical,
            "run": keep(self.run),
            "parameters": keep(self.parameters),
            "steps": [
                s.to_dict(differences_only)
                for s in self.steps
                if not differences_only or s.different
            ],
            "code": self.code.to_dict(differences_only),
            "environment": self.environment.to_dict(differences_only),
        }

    def text(self, differences_only: bool = True) -> str:
        """A readable report (`+` only in b, `-` only in a, `~` changed)."""
        return render_text(self, differences_only)

    def __str__(self) -> str:
        return self.text()

    def _repr_html_(self) -> str:
        return render_html(self, differences_only=True)

    def view(self, differences_only: bool = False) -> DiffView:
        """The diff displayed with everything (`differences_only=False`) or only changes."""
        return DiffView(self, differences_only)


@dataclass(frozen=True)
class DiffView:
    """A RunDiff with a display choice: `diff.view()` shows everything in a notebook."""

    diff: RunDiff
    differences_only: bool = False

    def __str__(self) -> str:
        return self.diff.text(self.differences_only)

    def _repr_html_(self) -> str:
        return render_html(self.diff, differences_only=self.differences_only)
