"""The local runtime: a pure scheduler, forked worker processes, and the run's bookkeeping."""
