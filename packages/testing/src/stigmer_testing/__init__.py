"""Pytest fixtures on real servers for the Stigmer workspace.

The plugin (registered as the ``stigmer`` pytest11 entry point) provides session-scoped
fixtures for a real Redis on an ephemeral loopback port, a real Temporal dev server and a
Temporal time-skipping test server, both from their PyPI wheels. The server processes
themselves are started by ``stigmer_devstack``, shared with the ``stigmer`` CLI.
"""

from __future__ import annotations
