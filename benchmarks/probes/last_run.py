"""Print the pathspec of the latest run of FLOW (either framework; cwd: the store's parent).

BENCH_PKG=flowscope|metaflow python last_run.py FLOW
"""

import importlib
import os
import sys

pkg = importlib.import_module(os.environ["BENCH_PKG"])
pkg.namespace(None)
print(pkg.Flow(sys.argv[1]).latest_run.pathspec)
