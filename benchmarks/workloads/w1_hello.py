"""W1: wall time of `python flows/hello.py run` (three steps in a line), fresh store each time.

Spawn to exit of the whole command: interpreter start, imports, store creation, three tasks,
and everything either framework does before it exits.
"""

from __future__ import annotations

from harness import Context, Row, Target, run_flow

ID = "W1"
TITLE = "hello: 3-step run"


def run(ctx: Context) -> list[Row]:
    def sample(fw, warmup):
        cwd = ctx.fresh_dir(f"hello-{fw.name}")
        try:
            return run_flow(fw, "hello", cwd)
        finally:
            ctx.discard(cwd)

    row = Row(ID, "hello 3-step run (wall)", target=Target("speedup", 7))
    return [ctx.measure(row, sample)]
