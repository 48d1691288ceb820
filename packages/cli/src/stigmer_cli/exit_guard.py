"""A bound on how long the process may take to exit once its command is done."""

from __future__ import annotations

import faulthandler
import os
import sys
import threading

EXIT_GRACE_S = 5.0
# faulthandler's watchdog comes this much later, so that the timer thread goes first.
_LAST_RESORT_DELAY_S = 2.0
FORCED_EXIT_NOTE = "stigmer: the process did not exit in time after its command finished"
# How faulthandler's dump starts ("Timeout (0:00:07)!"): the mark of a last-resort exit.
STACK_DUMP_MARK = "Timeout ("


def exit_within(code: int, seconds: float = EXIT_GRACE_S) -> None:
    """End the process if it is still alive ``seconds`` from now.

    Called once the command's result is printed and flushed, so that a hang in interpreter
    shutdown (a thread that does not stop, a library finalizer waiting for a lock) cannot keep
    a finished command alive. Two watchdogs, because Python threads stop running once the
    interpreter starts finalizing:

    - a daemon timer thread writes a note to stderr and exits with ``code``: it covers the
      joining of threads and the ``atexit`` handlers;
    - faulthandler's native thread, ``_LAST_RESORT_DELAY_S`` later, dumps every thread's
      stack to stderr and exits with status 1: it covers finalization (module teardown,
      the last garbage collection), where no Python code but the main thread's runs.

    Args:
        code: The exit status the command chose.
        seconds: The grace period.
    """
    note = f"{FORCED_EXIT_NOTE} ({seconds:g}s); exiting with status {code}\n".encode()

    def expire() -> None:
        os.write(2, note)
        os._exit(code)

    timer = threading.Timer(seconds, expire)
    timer.name = "exit-watchdog"
    timer.daemon = True
    timer.start()
    faulthandler.dump_traceback_later(
        seconds + _LAST_RESORT_DELAY_S, exit=True, file=sys.__stderr__ or sys.stderr
    )
