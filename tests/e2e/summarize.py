"""Print what the client sees of a flow's latest run, as JSON without times or ids: run in its
own process, so that a test can compare two providers' answers."""

import json
import sys

from flowscope import Flow, Metaflow, get_metadata, metadata, namespace

address, flow_name = sys.argv[1], sys.argv[2]
metadata(address)
namespace(None)
run = Flow(flow_name).latest_run
steps = {}
for step in run:
    tasks = []
    for task in sorted(step, key=lambda t: (t.index is None, t.index)):
        tasks.append(
            {
                "index": task.index,
                "successful": task.successful,
                "finished": task.finished,
                "stdout": task.stdout,
                "stderr": task.stderr,
                "exception": None if task.exception is None else task.exception.type,
                "artifacts": {a.id: [a.sha, a.size, repr(a.data)] for a in task},
                "env_python": (task.environment_info or {}).get("python_version"),
            }
        )
    steps[step.id] = tasks
print(
    json.dumps(
        {
            "provider": get_metadata().split("@")[0],
            "flows": [f.id for f in Metaflow()],
            "runs": len(list(Flow(flow_name))),
            "successful": run.successful,
            "finished": run.finished,
            "user_tags": sorted(run.user_tags),
            "system_tags": sorted(run.system_tags),
            "data": {name: repr(getattr(run.data, name)) for name in dir(run.data)},
            "parameters": "_parameters" in run,
            "code": run.code.flowspec if run.code else None,
            "steps": steps,
        },
        indent=1,
        sort_keys=True,
    )
)
