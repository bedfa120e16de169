"""The graph-shapes x behaviours suite again, every task on a real Dask cluster: the `dask
scheduler` and `dask worker` CLIs of the session fixture (tests/dask_clusters.py), started in
a directory of their own, so the flows reach the workers only as code packages."""

from __future__ import annotations

import pytest
from test_behaviours import *  # noqa: F403 - the same cases, on this module's workspace
from test_shapes import *  # noqa: F403

from conftest import Workspace


@pytest.fixture
def workspace(workspace: Workspace, dask_cluster) -> Workspace:
    workspace.env.update(FLOWSCOPE_EXECUTOR="dask", FLOWSCOPE_DASK_ADDRESS=dask_cluster.address)
    return workspace
