"""Compute an import's prepared batches in a forked child process, ahead of the writer.

Preparing a batch (converting cells, cleaning values, computing pinyin) reads no database, so
a child process can prepare batch N+1 on a second CPU core while this process checks and writes
batch N. The writes stay in this process because SQLite allows one writer at a time.

The child is a fork of this process, so it starts at once and shares everything read before
the fork: the sheet, the custom fields snapshot, the user lookup and the active language. It
must not use the database connection it inherited. A wrapper turns any query into an error
there, and the child leaves through `os._exit`, which closes no connection. The child sends
each item through a pipe, and sending blocks while the pipe is full. On Linux the pipe is widened
to hold a few items (batches of about 200 KB), so a batch that takes this process longer than
usual does not stop the child; elsewhere the child works about one item ahead.

The child stops when it has sent every item, when this process closes the pipe (a write then
fails), or when this process terminates it. A child still running when the consumer stops
iterating is terminated, then killed if it does not exit within a few seconds.
"""

import contextlib
import fcntl
import logging
import multiprocessing
import pickle
import signal
import threading
import traceback
from collections.abc import Generator, Iterator
from multiprocessing.connection import Connection
from typing import Any

from django.db import connections

logger = logging.getLogger(__name__)

_ITEM, _DONE, _ERROR = "item", "done", "error"
# Bytes the pipe holds before sending blocks, when the system allows it: Linux's default
# limit for an unprivileged process (/proc/sys/fs/pipe-max-size) is 1 MiB.
PIPE_BYTES = 1 << 20
# Seconds to wait for a terminated child before killing it.
STOP_TIMEOUT = 5.0


class PrefetchError(Exception):
    """The child process died, or failed with an exception it could not send."""


def can_fork() -> bool:
    """Return whether items can be prepared in a forked child here.

    Forking a process that runs other threads can deadlock the child on a lock one of those
    threads held, so only a single-threaded process forks. Platforms without fork prepare items
    in this process.
    """
    return "fork" in multiprocessing.get_all_start_methods() and _thread_count() == 1


def _thread_count() -> int:
    """Return the number of threads of this process, including threads that C libraries start.

    Linux reports it in /proc/self/stat. Elsewhere only Python's threads are counted.
    """
    try:
        with open("/proc/self/stat", "rb") as stat:
            # The fields after the command name, which ends with ")", start at field 3, and
            # num_threads is field 20 (proc(5)).
            fields = stat.read().rsplit(b")", 1)[1].split()
        return int(fields[17])
    except (OSError, IndexError, ValueError):
        return threading.active_count()


def _reject_query(*args: Any) -> None:
    raise RuntimeError("The import's preparation process must not query the database.")


def _produce(items: Iterator[Any], pipe: Connection) -> None:
    """Send every item of `items` through `pipe`; the target of the child process."""
    # Ctrl-C reaches the whole process group; the parent stops the child instead.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        with contextlib.ExitStack() as stack:
            for connection in connections.all(initialized_only=True):
                stack.enter_context(connection.execute_wrapper(_reject_query))
            for item in items:
                pipe.send((_ITEM, item))
        pipe.send((_DONE, None))
    except (BrokenPipeError, ConnectionResetError):
        # The parent closed its end: it stopped reading, so nothing is left to do.
        return
    except BaseException as error:
        report = traceback.format_exc()
        with contextlib.suppress(OSError):
            try:
                pipe.send((_ERROR, (error, report)))
            except (pickle.PicklingError, TypeError, AttributeError):
                pipe.send((_ERROR, (None, report)))


def prefetched[T](items: Iterator[T]) -> Generator[T, None, None]:
    """Yield the items of `items`, computed in a forked child one item ahead.

    `items` must be a fresh iterator whose items need no database; this process never iterates
    it. An exception raised by `items` is raised here again, with the child's traceback as a
    note. Raises PrefetchError when the child dies or its exception cannot be pickled.
    """
    context = multiprocessing.get_context("fork")
    reader, writer = context.Pipe(duplex=False)
    _widen(writer)
    process = context.Process(target=_produce, args=(items, writer), daemon=True)
    process.start()
    writer.close()
    logger.debug("preparation process %s started", process.pid)
    try:
        while True:
            try:
                kind, payload = reader.recv()
            except EOFError:
                process.join(timeout=STOP_TIMEOUT)
                raise PrefetchError(
                    "The import's preparation process exited unexpectedly "
                    f"(exit code {process.exitcode})."
                ) from None
            if kind == _DONE:
                return
            if kind == _ERROR:
                error, report = payload
                if error is None:
                    raise PrefetchError(f"The import's preparation process failed:\n{report}")
                error.add_note(f"Raised in the import's preparation process:\n{report}")
                raise error
            yield payload
    finally:
        reader.close()
        _stop(process)


def _widen(pipe: Connection) -> None:
    """Let the pipe hold PIPE_BYTES where the platform can resize pipes; else leave it."""
    resize = getattr(fcntl, "F_SETPIPE_SZ", None)
    if resize is None:
        return
    with contextlib.suppress(OSError):
        fcntl.fcntl(pipe.fileno(), resize, PIPE_BYTES)


def _stop(process: multiprocessing.process.BaseProcess) -> None:
    pid = process.pid
    process.join(timeout=0.1)
    if process.is_alive():
        process.terminate()
        process.join(timeout=STOP_TIMEOUT)
    if process.is_alive():
        logger.warning("preparation process %s did not stop; killing it", pid)
        process.kill()
        process.join()
    logger.debug("preparation process %s stopped with exit code %s", pid, process.exitcode)
    process.close()


__all__ = ["PrefetchError", "can_fork", "prefetched"]
