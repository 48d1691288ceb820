"""Chaos soak: many executions on replicated services while replicas are SIGKILLed.

``python -m stigmer_bench.soak`` (``hatch run soak``) runs it; see docs/adr/0034-chaos-soak.md.
"""
