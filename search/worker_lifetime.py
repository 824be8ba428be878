"""Indexing workers die with the `search index` process that started them.

Whoosh's writer runs its workers as processes that wait on a job queue. If `search index`
is killed (SIGKILL cannot be caught), nothing in it can stop them, and they wait forever:
the other workers hold the queue open, and with the forkserver start method the
forkserver stays alive as long as they do, so the kernel's parent-death signal
(PR_SET_PDEATHSIG, which follows the parent, here the forkserver) never comes.

So each worker watches the process that asked for it: importing this module where the
workers are forked (the forkserver, through its preload list, or `search index` itself
with the fork start method) registers an after-fork hook that starts, in each worker, a
thread that waits for that process to exit (a pidfd on Linux, else a poll) and then
kills the worker.
"""

import os
import select
import signal
import threading
from multiprocessing import parent_process, util

POLL_SECONDS = 1.0  # without pidfd_open (Linux < 5.3, other systems), how often to look


class _Hook:
    """Kept alive at module level: multiprocessing holds after-fork hooks weakly."""


_HOOK = _Hook()


def die_with_parent(_hook=None) -> None:
    """In a multiprocessing child: kill this process as soon as its parent has exited."""
    parent = parent_process()
    if parent is None:
        return
    threading.Thread(target=_watch, args=(parent.pid,), name="die-with-parent", daemon=True).start()


def _watch(pid: int) -> None:
    try:
        _wait_for_exit(pid)
    finally:
        os.kill(os.getpid(), signal.SIGKILL)


def _wait_for_exit(pid: int) -> None:
    if hasattr(os, "pidfd_open"):
        try:
            descriptor = os.pidfd_open(pid)
        except ProcessLookupError:
            return  # already gone
        except OSError:
            pass  # no pidfd in this kernel
        else:
            select.select([descriptor], [], [])  # readable once the process has exited
            return
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        except PermissionError:
            pass  # alive, owned by someone else
        threading.Event().wait(POLL_SECONDS)


util.register_after_fork(_HOOK, die_with_parent)
