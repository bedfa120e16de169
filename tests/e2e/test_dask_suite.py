"""The graph-shapes x behaviours suite (and the authoring surface) again, every task on a real
Dask cluster: the `dask scheduler` and `dask worker` CLIs of the session fixture
(tests/dask_clusters.py), started in a directory of their own, so the flows reach the workers
only as code packages.

Two authoring cases read CONFIGURED_FAIL, a variable of the runner's environment: it reaches
the workers because FLOWSCOPE_DASK_ENV names it. The case whose @secrets source is a runner
variable (`env.VAR`) is not repeated: a secret is not sent over the Dask wire, a worker reads
its own environment.
"""

from __future__ import annotations

import pytest
from test_authoring_surface import (  # noqa: F401 - not the one with a runner-side secret
    test_a_foreach_and_its_join_configured_and_decorated,
    test_configs_parameters_and_project_in_run_and_resume,
    test_help_shows_the_new_options,
    test_mistakes_are_one_line_errors,
    test_production_and_config_values_on_the_command_line,
    test_show_lists_the_decorators_with_secrets_redacted,
    test_with_adds_decorators_from_the_command_line,
)
from test_behaviours import *  # noqa: F403 - the same cases, on this module's workspace
from test_shapes import *  # noqa: F403

from conftest import Workspace


@pytest.fixture
def workspace(workspace: Workspace, dask_cluster) -> Workspace:
    workspace.env.update(FLOWSCOPE_EXECUTOR="dask", FLOWSCOPE_DASK_ADDRESS=dask_cluster.address)
    workspace.env["FLOWSCOPE_DASK_ENV"] = "CONFIGURED_FAIL"  # see the module docstring
    return workspace


@pytest.fixture
def where() -> list[str]:
    """The local store only: the workers here have no service token (see test_dask.py)."""
    return []
