"""`flowscope ui`: the web UI over a store, on loopback, opened in a browser.

    flowscope ui [--metadata ADDR] [--datastore ADDR] [--port 8765] [--host 127.0.0.1]
                 [--no-browser]

The store is the one the client would read (FLOWSCOPE_SERVICE_URL, else the nearest
.flowscope), unless `--metadata` / `--datastore` name others. The server listens on
127.0.0.1 unless `--host` says otherwise; it answers only requests that name it by a
loopback name, or by the host given and this machine's names when `--host` is not loopback.
"""

from __future__ import annotations

import argparse
import socket
import sys

from flowscope.cli.errors import guarded
from flowscope.errors import ConfigError

PROG = "flowscope ui"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG, description="Browse flows, runs, steps and tasks in a web browser."
    )
    parser.add_argument(
        "--metadata",
        metavar="URL_OR_DIR",
        help="a metadata service URL or local store directory "
        "(default: FLOWSCOPE_SERVICE_URL, else the nearest .flowscope)",
    )
    parser.add_argument(
        "--datastore",
        metavar="DIR_OR_URL",
        help="read artifacts and logs here (default: FLOWSCOPE_DATASTORE, else the metadata "
        "store's own)",
    )
    parser.add_argument("--port", type=int, default=8765, help="port (default: %(default)s)")
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default: %(default)s, loopback only)",
    )
    parser.add_argument(
        "--no-browser", action="store_true", help="do not open a browser at the address"
    )
    return parser


def allowed_hosts(host: str) -> list[str]:
    """The host names requests may use: loopback names, plus the listening address and this
    machine's names when it is not loopback."""
    from flowscope.ui.guard import LOOPBACK_NAMES

    names = list(LOOPBACK_NAMES)
    if host not in LOOPBACK_NAMES:
        names.append(host)
        if host in ("0.0.0.0", "::", ""):
            names += [socket.gethostname(), socket.getfqdn()]
    return names


def run(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    if not 0 < args.port < 65536:
        raise ConfigError(f"--port must be from 1 to 65535, got {args.port}.")
    try:
        import uvicorn

        from flowscope.ui import create_app
    except ImportError as exc:
        raise ConfigError(
            f"flowscope ui needs the ui extra ({exc.name} is missing): pip install 'flowscope[ui]'."
        ) from exc
    from flowscope.client.context import CONTEXT

    CONTEXT.set_stores(args.metadata, args.datastore)  # the client's objects read these too
    stores = CONTEXT.stores()
    app = create_app(stores, allowed_hosts=allowed_hosts(args.host))
    shown = f"[{args.host}]" if ":" in args.host else args.host
    url = f"http://{'127.0.0.1' if args.host in ('0.0.0.0', '::') else shown}:{args.port}/ui/"
    print(f"flowscope ui: {stores.describe()}\nserving {url} (Ctrl-C to stop)", flush=True)
    if not args.no_browser:
        import threading
        import webbrowser

        threading.Timer(0.5, webbrowser.open, args=(url,)).start()
    config = uvicorn.Config(
        app, host=args.host, port=args.port, log_level="warning", access_log=False
    )
    uvicorn.Server(config).run()
    return 0


def main(argv: list[str]) -> int:
    return guarded(lambda: run(argv), PROG)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
