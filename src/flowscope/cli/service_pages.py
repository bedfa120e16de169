"""The web UI's pages inside `flowscope service`, under /ui/: built here, where both may be
imported (the service never imports the UI, nor the client the UI reads through).

`pages(served)` is the `PagesFactory` the service mounts (service/app.py): the UI over the
service's own store (it is the provider, so tag edits go through it) and blob store, behind
the service's token (ui/login.py) and its allowed hosts. `app_from_env` is uvicorn's factory
in each worker process when there are several. Without a token, the CSRF secret must still
be the same in every worker: the parent puts one in SECRET_ENV.
"""

from __future__ import annotations

import os
import secrets
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from starlette.types import ASGIApp

    from flowscope.service.app import Served

FACTORY = "flowscope.cli.service_pages:app_from_env"
SECRET_ENV = "FLOWSCOPE_SERVICE_UI_SECRET"


def available() -> bool:
    """True when the ui extra (Jinja2) is installed."""
    import importlib.util

    return importlib.util.find_spec("jinja2") is not None


def share_secret() -> None:
    """Give the worker processes one CSRF secret (a tokenless service's pages)."""
    os.environ.setdefault(SECRET_ENV, secrets.token_hex(32))


def pages(served: Served) -> ASGIApp:
    from flowscope.client.context import CONTEXT
    from flowscope.datastore import ContentStore
    from flowscope.errors import ConfigError
    from flowscope.stores import Stores
    from flowscope.ui import create_app

    if served.blobs is None:
        raise ConfigError("The web UI needs the service's blob store (--blob-root).")
    stores = Stores(
        served.store.describe(),
        "this service's blob store",
        served.store,
        ContentStore(served.blobs),
    )
    CONTEXT.use_stores(stores)  # the compare page's run diff reads through the client
    shared = os.environ.get(SECRET_ENV)
    secret = bytes.fromhex(shared) if shared and not served.token else None
    app: ASGIApp = create_app(
        stores, base=served.base, allowed_hosts=served.hosts, token=served.token, secret=secret
    )
    return app


def app_from_env() -> ASGIApp:
    """uvicorn's factory in each worker process: the service with the pages."""
    from flowscope.service.server import CONFIG_ENV, ServiceConfig, build_app

    return build_app(ServiceConfig.from_json(os.environ[CONFIG_ENV]), pages)
