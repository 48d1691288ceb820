"""One jq evaluation process of the expression pool (run as a script, never imported by the runner).

It imports only ``jq`` and the standard library so it starts fast. Protocol on stdin/stdout:
after start it writes ``R``; then for each request (header ``<dQII``: CPU seconds, max output
bytes, program length, input length; then the program and the input JSON as UTF-8) it answers
one status byte and a ``<I`` length-prefixed payload: ``0`` + the first result as JSON (empty
when the program yields nothing), ``1`` + jq's error message, ``2`` + the output size in bytes.

The CPU budget is a ``ITIMER_PROF`` timer whose signal keeps its default action: the kernel ends
the process when the evaluation has used the budget, even while libjq holds the GIL. Memory is
bounded by ``RLIMIT_AS`` (argv[1], 0 for none): jq aborts when an allocation fails.
"""

from __future__ import annotations

import functools
import os
import resource
import signal
import struct
import sys

import jq

HEADER = struct.Struct("<dQII")
ANSWER = struct.Struct("<BI")
OK, JQ_ERROR, TOO_LARGE = 0, 1, 2


def _read_exact(stream: object, size: int) -> bytes:
    data = stream.read(size)  # type: ignore[attr-defined]
    if len(data) != size:
        raise SystemExit(0)  # the runner closed the pipe: it is gone or shutting down
    return bytes(data)


def main() -> None:
    """Serve evaluations until stdin closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the runner decides when its pool stops
    signal.signal(signal.SIGPROF, signal.SIG_DFL)
    memory = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    if memory > 0:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    compile_program = functools.lru_cache(maxsize=1024)(jq.compile)
    source = sys.stdin.buffer
    out = sys.stdout.fileno()
    os.write(out, b"R")
    while True:
        cpu, max_output, program_size, input_size = HEADER.unpack(_read_exact(source, HEADER.size))
        program = _read_exact(source, program_size).decode()
        document = _read_exact(source, input_size).decode()
        signal.setitimer(signal.ITIMER_PROF, cpu)
        try:
            text = compile_program(program).input_text(document).text()
        except ValueError as exc:
            status, payload = JQ_ERROR, str(exc).encode()
        else:
            encoded = text.encode()
            if len(encoded) > max_output:
                status, payload = TOO_LARGE, str(len(encoded)).encode()
            else:
                status, payload = OK, encoded.partition(b"\n")[0]
        finally:
            signal.setitimer(signal.ITIMER_PROF, 0)
        answer = ANSWER.pack(status, len(payload)) + payload
        while answer:
            answer = answer[os.write(out, answer) :]


if __name__ == "__main__":
    main()
