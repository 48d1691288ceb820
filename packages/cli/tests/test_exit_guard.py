"""The exit watchdog ends a finished command whose interpreter shutdown hangs.

Each case is a real process that hangs at exit the way ``stigmer run`` did (issue 25): a
daemon thread holds a lock, and an object's finalizer waits for it. Without the watchdog the
process never exits and the test times out.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from stigmer_cli.exit_guard import FORCED_EXIT_NOTE, STACK_DUMP_MARK

_HANG_AT_EXIT = """\
import atexit, sys, threading, time
from stigmer_cli.exit_guard import exit_within

lock = threading.Lock()
held = threading.Event()

def hold() -> None:
    with lock:
        held.set()
        time.sleep(120)

class Call:
    def __del__(self) -> None:
        with lock:
            pass

call = Call()
call.cycle = call  # only the garbage collector frees it, at the end of finalization
del call
threading.Thread(target=hold, daemon=True).start()
held.wait()
if sys.argv[1] == "atexit":
    atexit.register(lock.acquire)
print("result", flush=True)
exit_within(3, 0.2)
raise SystemExit(3)
"""


def _hang(tmp_path: Path, stage: str) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "hang_at_exit.py"
    script.write_text(_HANG_AT_EXIT)
    return subprocess.run(
        [sys.executable, str(script), stage],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_hang_before_finalization_exits_with_the_command_status(tmp_path: Path) -> None:
    done = _hang(tmp_path, "atexit")
    assert done.stdout == "result\n"
    assert (done.returncode, FORCED_EXIT_NOTE in done.stderr) == (3, True), done.stderr


def test_a_finalizer_deadlock_exits_with_the_stacks(tmp_path: Path) -> None:
    done = _hang(tmp_path, "finalizer")
    assert done.stdout == "result\n"
    assert done.returncode == 1, done.stderr
    assert STACK_DUMP_MARK in done.stderr
    assert "in __del__" in done.stderr
