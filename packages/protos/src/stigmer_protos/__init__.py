"""Stigmer API messages (betterproto2) and gRPC servicers/stubs (grpcio).

The ``ai`` and ``google`` subpackages and ``message_pool`` are generated from ``proto/`` by
``hatch_build.py`` at build time; :mod:`stigmer_protos.temporal` is the Temporal payload
converter for these messages.
"""
