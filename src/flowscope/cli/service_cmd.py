"""`flowscope service`: run the team metadata service, or migrate its database.

    flowscope service --database URL --blob-root URL [--host 127.0.0.1] [--port 8080]
                      [--token-file PATH] [--insecure] [--workers N] [--allowed-host NAME]
                      [--max-*] [--header-timeout S] [--body-timeout S] [--no-ui]
    flowscope service migrate --database URL

`--database` takes a PostgreSQL URL (postgresql://user@host:port/db) or a SQLite path.
Pending migrations are applied on start (each in a transaction); a database whose schema is
newer than this flowscope is refused. Without a token the service listens on loopback only,
unless `--insecure` says otherwise. Requests must name a host the service answers to (the
bound address, loopback names for a loopback bind, each `--allowed-host`; service/guard.py).
The web UI's pages are served under /ui/ when the ui extra is installed (cli/service_pages.py),
behind the same token (a login page sets a session cookie), unless `--no-ui`.
"""

from __future__ import annotations

import argparse
import ipaddress
import sys

from flowscope.cli.errors import guarded

PROG = "flowscope service"


def _serve_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Run the flowscope metadata service (an ASGI app under uvicorn). "
        "Use `flowscope service migrate --database URL` to only apply schema migrations.",
    )
    parser.add_argument(
        "--database",
        required=True,
        metavar="URL",
        help="postgresql://user@host:port/db, or a SQLite file path",
    )
    parser.add_argument(
        "--blob-root",
        required=True,
        metavar="URL",
        help="where artifact data lives: a directory every worker can reach "
        "(a path or file:// URL); the service proxies it to clients",
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: %(default)s)"
    )
    parser.add_argument("--port", type=int, default=8080, help="port (default: %(default)s)")
    parser.add_argument(
        "--allowed-host",
        action="append",
        default=[],
        metavar="NAME",
        help="a host name clients use in the service's URL (a DNS name, or a load balancer's); "
        "repeatable. Requests naming any other host are refused (421), as are pages of other "
        "origins. The bound address is always allowed, and localhost for loopback and "
        "0.0.0.0 binds; '*' turns the Host check off",
    )
    parser.add_argument(
        "--token-file", metavar="PATH", help="file holding the bearer token clients must send"
    )
    parser.add_argument(
        "--insecure",
        action="store_true",
        help="allow listening on a non-loopback address without a token",
    )
    parser.add_argument("--workers", type=int, default=1, help="server processes (default: 1)")
    parser.add_argument(
        "--prefix",
        default="",
        metavar="PATH",
        help="also serve the API under PATH (e.g. /flowscope), for clients "
        "given http://host:port/flowscope behind a proxy that keeps the path",
    )
    parser.add_argument(
        "--max-body-mb",
        type=float,
        default=32.0,
        help="largest JSON request body in MiB (default: %(default)s)",
    )
    parser.add_argument(
        "--max-blob-mb",
        type=float,
        default=1024.0,
        help="largest blob upload in MiB (default: %(default)s)",
    )
    parser.add_argument(
        "--max-blob-decoded-mb",
        type=float,
        default=2048.0,
        help="largest size a (compressed) blob upload may decode to, in MiB (default: %(default)s)",
    )
    parser.add_argument(
        "--max-filters",
        type=int,
        default=100,
        help="most filters (tags, parameters, artifact names) on one listing "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--header-timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="a request's headers must arrive within this, or the connection is closed "
        "(counted from the connection's opening: idle sockets are closed too; "
        "default: %(default)s)",
    )
    parser.add_argument(
        "--body-timeout",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="a request's body must arrive within this plus 1 s per 64 KiB of it, or the "
        "connection is closed (default: %(default)s)",
    )
    parser.add_argument(
        "--pool-size",
        type=int,
        default=8,
        help="PostgreSQL connections per worker (default: %(default)s)",
    )
    parser.add_argument(
        "--no-ui",
        action="store_true",
        help="do not serve the web UI under /ui/ (served by default when flowscope[ui] is "
        "installed; behind the token, with a login page)",
    )
    parser.add_argument("--access-log", action="store_true", help="log every request")
    parser.add_argument(
        "--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"]
    )
    return parser


def _migrate_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=f"{PROG} migrate",
        description="Apply pending schema migrations to a metadata database and exit.",
    )
    parser.add_argument(
        "--database",
        required=True,
        metavar="URL",
        help="postgresql://user@host:port/db, or a SQLite file path",
    )
    return parser


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _migrate(database: str) -> list[int]:
    from flowscope.metastore.migrations import migrate
    from flowscope.service.server import open_service_database

    db = open_service_database(database, pool_size=1)
    try:
        return migrate(db)
    finally:
        db.close()


def _report_migrations(applied: list[int]) -> None:
    from flowscope.metastore.migrations import latest_version

    done = f"applied {', '.join(map(str, applied))}" if applied else "nothing to apply"
    print(f"{PROG}: schema at version {latest_version()} ({done}).", file=sys.stderr)


def run_migrate(argv: list[str]) -> int:
    args = _migrate_parser().parse_args(argv)
    _report_migrations(_migrate(args.database))
    return 0


def run_serve(argv: list[str]) -> int:
    parser = _serve_parser()
    args = parser.parse_args(argv)
    if args.workers < 1 or not 0 < args.port < 65536 or args.pool_size < 1 or args.max_filters < 1:
        parser.error(
            "--workers, --pool-size and --max-filters must be at least 1, and --port in 1..65535"
        )
    if not all(0 < t < 86400 for t in (args.header_timeout, args.body_timeout)):
        parser.error("--header-timeout and --body-timeout must be between 0 and 86400 seconds")
    if args.prefix and not args.prefix.startswith("/"):
        parser.error(f"--prefix must start with '/', got {args.prefix!r}")
    if not args.token_file and not is_loopback(args.host) and not args.insecure:
        parser.error(
            f"refusing to listen on {args.host} without a token: anyone who can reach it could "
            f"read and change every run. Pass --token-file PATH (recommended), or --insecure."
        )
    from flowscope.config import Settings
    from flowscope.datastore import open_storage
    from flowscope.service.server import FACTORY, ServiceConfig, read_token, serve

    if args.token_file:
        read_token(args.token_file)  # fail now, not in a worker
    open_storage(args.blob_root)
    _report_migrations(_migrate(args.database))
    config = ServiceConfig(
        database=args.database,
        blob_root=args.blob_root,
        token_file=args.token_file,
        max_body=int(args.max_body_mb * 1024 * 1024),
        max_blob=int(args.max_blob_mb * 1024 * 1024),
        max_blob_decoded=int(args.max_blob_decoded_mb * 1024 * 1024),
        max_filters=args.max_filters,
        header_timeout=args.header_timeout,
        body_timeout=args.body_timeout,
        lost_after=Settings.from_env().lost_after,
        pool_size=args.pool_size,
        prefix=args.prefix,
        bind=args.host,
        allowed_hosts=tuple(args.allowed_host),
    )
    from flowscope.cli import service_pages

    ui = not args.no_ui and service_pages.available()
    if not args.no_ui and not ui:
        print(
            f"{PROG}: no web UI (pip install 'flowscope[ui]' to serve it under /ui/).",
            file=sys.stderr,
        )
    if ui and args.workers > 1 and not args.token_file:
        service_pages.share_secret()
    serve(
        config,
        host=args.host,
        port=args.port,
        workers=args.workers,
        access_log=args.access_log,
        log_level=args.log_level,
        pages=service_pages.pages if ui else None,
        factory=service_pages.FACTORY if ui else FACTORY,
    )
    return 0


def main(argv: list[str]) -> int:
    """Run `flowscope service ...` with `argv` (the words after `service`)."""
    if argv[:1] == ["migrate"]:
        return guarded(lambda: run_migrate(argv[1:]), PROG)
    return guarded(lambda: run_serve(argv), PROG)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
