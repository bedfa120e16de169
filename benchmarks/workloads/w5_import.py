"""W5: import time, in a fresh interpreter each repeat.

Wall time of `python -c 'import X'` minus that of `python -c pass` (the same interpreter,
measured in the same repeat), for
- `import X`: flowscope's package is lazy, so this loads almost nothing;
- `from X import FlowSpec, step, Flow, namespace`: what a flow file or a notebook imports
  first, so what it really costs to start using either framework.
`python -X importtime` of the same lines, for a profile, is in the README.
"""

from __future__ import annotations

import subprocess
import time

from harness import Context, Row, Target

ID = "W5"
TITLE = "import time"
INNER = 5  # interpreter starts per sample; the sample is their median, to tame the noise


def _wall(fw, code: str) -> float:
    start = time.perf_counter()
    subprocess.run([fw.python, "-c", code], env=fw.env, check=True, stdin=subprocess.DEVNULL)
    return time.perf_counter() - start


def _import_cost(fw, code: str) -> float:
    pairs = sorted(_wall(fw, code) - _wall(fw, "pass") for _ in range(INNER))
    return pairs[len(pairs) // 2]


def run(ctx: Context) -> list[Row]:
    rows = []
    cases = [
        ("import {pkg}", "import {pkg}", Target("at_most", 0.1)),
        (
            "from {pkg} import FlowSpec, step, Flow, namespace",
            "from {pkg} import FlowSpec, step, Flow, namespace",
            Target("at_most", 0.1),
        ),
    ]
    for label, code, target in cases:
        row = Row(ID, label.format(pkg="X") + " (wall - bare python)", target=target)
        rows.append(
            ctx.measure(
                row, lambda fw, warmup, code=code: _import_cost(fw, code.format(pkg=fw.name))
            )
        )
    return rows
