"""Run a flow file on a disk that fills up on cue: `python fulldisk.py FULL FLOW.py ARGS...`
runs FLOW.py as `python FLOW.py ARGS...` would; from the moment the file FULL exists, every
write to a regular file fails with ENOSPC, and so does every metadata write (as SQLite's
"database or disk is full"). Pipes and sockets keep working, as they do on a full disk."""

import builtins
import errno
import os
import runpy
import stat
import sys

full, script, *args = sys.argv[1:]


def disk_full() -> bool:
    return os.path.exists(full)


def no_space(what: str) -> OSError:
    return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), what)


def regular(fd: int) -> bool:
    try:
        return stat.S_ISREG(os.fstat(fd).st_mode)
    except OSError:
        return False


real_write, real_writev, real_open = os.write, os.writev, builtins.open


def write(fd, data):
    if disk_full() and regular(fd):
        raise no_space(f"fd {fd}")
    return real_write(fd, data)


def writev(fd, buffers):
    if disk_full() and regular(fd):
        raise no_space(f"fd {fd}")
    return real_writev(fd, buffers)


class FullFile:
    """A file opened for writing whose writes fail once the disk is full."""

    def __init__(self, handle):
        self._handle = handle

    def write(self, data):
        if disk_full():
            raise no_space(self._handle.name)
        return self._handle.write(data)

    def __getattr__(self, name):
        return getattr(self._handle, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._handle.close()


def open_(file, mode="r", *a, **k):
    handle = real_open(file, mode, *a, **k)
    if any(c in mode for c in "wax") and isinstance(file, (str, os.PathLike)):
        return FullFile(handle)
    return handle


os.write, os.writev, builtins.open = write, writev, open_

from flowscope.metastore import db  # noqa: E402

real_db_write = db.SqliteDatabase.write


def db_write(self, work):
    if disk_full():
        import sqlite3

        try:
            raise sqlite3.OperationalError("database or disk is full")
        except sqlite3.OperationalError as exc:
            raise db.MetadataError(f"The metadata database {self.path} failed: {exc}") from exc
    return real_db_write(self, work)


db.SqliteDatabase.write = db_write
sys.argv = [script, *args]
runpy.run_path(script, run_name="__main__")
