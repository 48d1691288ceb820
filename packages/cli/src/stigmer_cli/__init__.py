"""The ``stigmer`` command line: run DSL workflows on Stigmer, locally or against a server."""

from __future__ import annotations

import os

__version__ = "0.1.0"

# gRPC's C core logs a failed TLS handshake at INFO on stderr; the CLI reports it in one line of
# its own. Read once when gRPC loads, so set before anything imports it; GRPC_VERBOSITY=INFO
# brings the core's lines back.
os.environ.setdefault("GRPC_VERBOSITY", "ERROR")
