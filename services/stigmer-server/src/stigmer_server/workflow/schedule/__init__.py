"""Temporal Schedules of Workflows whose document has ``schedule`` (docs/adr/0035)."""
