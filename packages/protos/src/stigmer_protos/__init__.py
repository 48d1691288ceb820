"""Stigmer API messages (betterproto2) and gRPC servicers/stubs (grpcio).

The ``ai`` and ``google`` subpackages and ``message_pool`` are generated from ``proto/`` by
``hatch_build.py`` at build time; :mod:`stigmer_protos.temporal` is the Temporal payload
converter for these messages.
"""

from pathlib import Path as _Path

if not (_Path(__file__).parent / "message_pool.py").exists():
    raise ImportError(
        "stigmer_protos: the generated code is missing (it is built from proto/ when the "
        "package is installed); run `hatch run protos` or reinstall the package"
    )

from stigmer_protos import type_hints as _type_hints

_type_hints.install()
