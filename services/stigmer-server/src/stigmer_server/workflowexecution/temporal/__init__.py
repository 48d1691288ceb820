"""Temporal orchestration of workflow executions (the polyglot pattern; see README.md here)."""
