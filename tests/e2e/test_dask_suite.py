"""The graph-shapes x behaviours suite (and the authoring surface) again, every task on a real
Dask cluster: the `dask scheduler` and `dask worker` CLIs of the session fixture
(tests/dask_clusters.py), started in a directory of their own, so the flows reach the workers
only as code packages.

Three authoring cases are not repeated here: their steps read variables set in the runner's
environment (CONFIGURED_FAIL, and an `env.VAR` @secrets source), which a worker does not have:
on a cluster, a step's environment is the worker's plus what @environment and @secrets set.
"""

from __future__ import annotations

import pytest
from test_authoring_surface import (  # noqa: F401 - not those reading the runner's environment
    test_a_foreach_and_its_join_configured_and_decorated,
    test_help_shows_the_new_options,
    test_mistakes_are_one_line_errors,
    test_production_and_config_values_on_the_command_line,
    test_show_lists_the_decorators_with_secrets_redacted,
)
from test_behaviours import *  # noqa: F403 - the same cases, on this module's workspace
from test_shapes import *  # noqa: F403

from conftest import Workspace


@pytest.fixture
def workspace(workspace: Workspace, dask_cluster) -> Workspace:
    workspace.env.update(FLOWSCOPE_EXECUTOR="dask", FLOWSCOPE_DASK_ADDRESS=dask_cluster.address)
    return workspace


@pytest.fixture
def where() -> list[str]:
    """The local store only: the workers here have no service token (see test_dask.py)."""
    return []
