"""The Runner API: start and resume runs from Python, as the command line would.

from flowscope import Runner, NBRunner
"""

from flowscope.runner_api.executing import ExecutingRun
from flowscope.runner_api.notebook import NBRunner
from flowscope.runner_api.runner import Runner

__all__ = ["ExecutingRun", "NBRunner", "Runner"]
