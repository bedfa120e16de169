"""Start a flow file at an agreed moment: `python go.py GO_FILE FLOW.py ARGS...` imports
flowscope, waits (at most 60 s) until GO_FILE exists, then runs FLOW.py as `python FLOW.py
ARGS...` would. Several of these released by one file start their runs within milliseconds."""

import importlib
import os
import runpy
import sys
import time

for module in ("flowscope.cli.flow_main", "flowscope.metastore.local", "flowscope.runtime.runner"):
    importlib.import_module(module)  # imported before the start line, not after it

go, script, *args = sys.argv[1:]
deadline = time.monotonic() + 60
while not os.path.exists(go):
    if time.monotonic() > deadline:
        sys.exit("go.py: the go file never appeared")
    time.sleep(0.001)
sys.argv = [script, *args]
runpy.run_path(script, run_name="__main__")
