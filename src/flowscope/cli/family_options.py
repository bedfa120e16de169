"""The family's command-line spellings on `python flow.py`, answered the flowscope way.

Shell scripts written for the family keep working with the import line changed:

- `--metadata local|service` and `--datastore local|s3` name a kind of store there, where
  flowscope takes an address. `local` is the nearest local store, `service` the one in
  FLOWSCOPE_SERVICE_URL, `s3` the root in `--datastore-root` (else an s3:// FLOWSCOPE_DATASTORE,
  else METAFLOW_DATASTORE_SYSROOT_S3). A directory really called `local` is `./local`.
- `--datastore-root ROOT` alone is the datastore's address.
- `--environment local` (the default), `pypi` and `conda` all run steps in the interpreter that
  runs the flow; flowscope builds no environments, and checks every @pypi/@conda pin against
  that interpreter before a run starts, whichever is given (cli/run_checks.py). `uv` is
  refused with what to do instead.
- `--with` before the command adds decorators as `run --with` does.
- `--pylint/--no-pylint`, `--event-logger nullSidecarLogger`, `--monitor nullSidecarMonitor` are
  accepted and change nothing: flowscope checks the graph itself on every run and has no
  sidecars.
- `run`/`resume` take `--max-num-splits N` and `--max-log-size MB`, and their numbers also
  from FLOWSCOPE_RUN_MAX_WORKERS / _MAX_NUM_SPLITS / _MAX_LOG_SIZE (or the METAFLOW_RUN_
  spellings); `run --namespace NS` sets the namespace client calls inside the steps see.

`resolve` rewrites the parsed arguments in place, so nothing after it knows the family's
spellings.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from typing import Any

from flowscope.errors import ParameterError

ENVIRONMENTS = ("local", "conda", "pypi", "uv")
LOCAL, SERVICE, S3 = "local", "service", "s3"
DEFAULT_WORKERS = 16
DEFAULT_LOG_MB = 10.0  # the family's default: captured output beyond it is cut short
ENV_NUMBERS = ("max_workers", "max_num_splits", "max_log_size")


def add_top_level(parser: argparse.ArgumentParser) -> None:
    """The family's top-level options that `build_parser` does not have of its own."""
    parser.add_argument(
        "--datastore-root",
        metavar="ROOT",
        help="the datastore's root (with the family's --datastore s3, or alone)",
    )
    parser.add_argument(
        "--environment",
        choices=ENVIRONMENTS,
        default=LOCAL,
        help="local (the default), pypi or conda: steps run in this interpreter either way, "
        "and @pypi/@conda pins are checked against it before the run starts (uv is refused)",
    )
    parser.add_argument(
        "--with",
        dest="top_with",
        action="append",
        default=[],
        metavar="DECO[:K=V,...]",
        help="as run --with, for run and resume",
    )
    parser.add_argument(
        "--pylint",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="accepted for the family's scripts; flowscope checks the graph on every run",
    )
    parser.add_argument("--event-logger", choices=("nullSidecarLogger",), help=argparse.SUPPRESS)
    parser.add_argument("--monitor", choices=("nullSidecarMonitor",), help=argparse.SUPPRESS)


def add_run_limits(parser: argparse.ArgumentParser, *, namespace: bool) -> None:
    """`--max-num-splits` and `--max-log-size` (run and resume), `--namespace` (run)."""
    parser.add_argument(
        "--max-num-splits",
        type=int,
        default=None,
        metavar="N",
        help="fail a foreach step that splits into more than N tasks (default: no limit)",
    )
    parser.add_argument(
        "--max-log-size",
        type=float,
        default=None,
        metavar="MB",
        help="keep at most MB megabytes of each task's stdout and stderr: the start and the "
        f"last part, with a line saying how much was left out (default {DEFAULT_LOG_MB:g})",
    )
    if namespace:
        parser.add_argument(
            "--namespace",
            dest="user_namespace",
            default=None,
            metavar="NS",
            help="the namespace client calls inside the steps see (--namespace= for all); the "
            "run's own tags do not change",
        )


def resolve(args: argparse.Namespace, environ: Mapping[str, str]) -> None:
    """Rewrite the family's spellings in `args` (see the module doc); raise ParameterError for
    what flowscope cannot do, before anything is recorded."""
    if args.environment == "uv":
        raise ParameterError(
            f"--environment {args.environment}: flowscope runs steps in the interpreter that "
            f"runs the flow and builds no {args.environment} environments; install the "
            f"packages the flow needs into it (e.g. a virtualenv), then drop --environment."
        )
    args.metadata = _metadata(args.metadata, environ)
    args.datastore = _datastore(args.datastore, args.datastore_root, environ)
    if args.command not in ("run", "resume"):
        return
    args.with_decorators = [*args.with_decorators, *args.top_with]
    for name in ENV_NUMBERS:  # the command line wins over the environment
        if getattr(args, name) is None:
            setattr(args, name, _env_number(name, environ))
    if args.max_workers is None:
        args.max_workers = DEFAULT_WORKERS
    if args.max_num_splits is not None and args.max_num_splits < 1:
        raise ParameterError(f"--max-num-splits must be at least 1, got {args.max_num_splits}.")
    if args.max_log_size is None:
        args.max_log_size = DEFAULT_LOG_MB
    if not args.max_log_size > 0:
        raise ParameterError(f"--max-log-size must be more than 0 MB, got {args.max_log_size:g}.")


def log_limit_bytes(args: argparse.Namespace) -> int:
    return int(args.max_log_size * 1024 * 1024)


def _metadata(value: str | None, environ: Mapping[str, str]) -> str | None:
    if value == LOCAL:
        return _nearest_local() if environ.get("FLOWSCOPE_SERVICE_URL") else None
    if value == SERVICE:
        url = environ.get("FLOWSCOPE_SERVICE_URL")
        if not url:
            raise ParameterError(
                "--metadata service needs the service's address: set FLOWSCOPE_SERVICE_URL, or "
                "give it, as in --metadata http://HOST:PORT."
            )
        return url
    return value


def _nearest_local() -> str:
    """The local store a run would use with no service configured."""
    from flowscope.config import Settings

    return str(Settings.from_env().store_root())


def _datastore(value: str | None, root: str | None, environ: Mapping[str, str]) -> str | None:
    if value == LOCAL:
        return root  # the metadata store's own, unless a root is given
    if value == S3:
        chosen = root or _s3_from_env(environ)
        if not chosen or not chosen.startswith("s3://"):
            raise ParameterError(
                "--datastore s3 needs a bucket: give --datastore-root s3://BUCKET/PREFIX (or set "
                "FLOWSCOPE_DATASTORE=s3://BUCKET/PREFIX)."
                if not chosen
                else f"--datastore s3 with the root {chosen!r}: an S3 root starts with s3://."
            )
        return chosen
    if value in ("azure", "gs"):
        raise ParameterError(
            f"--datastore {value}: flowscope stores data in a directory, on S3 or an "
            f"S3-compatible server (s3://...), or through a flowscope service; {value} is not "
            f"one of them."
        )
    if value is not None and root is not None:
        raise ParameterError(
            f"--datastore {value} and --datastore-root {root}: give one address (either option)."
        )
    return value if value is not None else root


def _s3_from_env(environ: Mapping[str, str]) -> str | None:
    mine = environ.get("FLOWSCOPE_DATASTORE", "")
    if mine.startswith("s3://"):
        return mine
    return environ.get("METAFLOW_DATASTORE_SYSROOT_S3") or None


def _env_number(name: str, environ: Mapping[str, str]) -> Any:
    for prefix in ("FLOWSCOPE_RUN_", "METAFLOW_RUN_"):
        variable = prefix + name.upper()
        text = environ.get(variable)
        if text is None or not text.strip():
            continue
        kind = float if name == "max_log_size" else int
        try:
            return kind(text)
        except ValueError:
            raise ParameterError(
                f"{variable}={text!r:.40} is not a number; set it to one (e.g. "
                f"{variable}={'10' if kind is float else '8'}) or unset it."
            ) from None
    return None
