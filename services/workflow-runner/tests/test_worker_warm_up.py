"""A fresh runner prepares, before it polls, what its first workflow task would otherwise build."""

from __future__ import annotations

import subprocess
import sys

# In a process of its own: the test session has long compiled the schema.
_PROBE = """
from stigmer_dsl.schema_validation import dsl_validator
from workflow_runner.worker import warm_up_loader
warm_up_loader()
print(dsl_validator.cache_info().currsize)
"""


def test_warm_up_compiles_the_dsl_schema() -> None:
    # Compiling it inside the first workflow task tripped the 2 s deadlock detector (TMPRL1101).
    found = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True)
    assert found.returncode == 0, found.stderr
    assert found.stdout.strip() == "1"
