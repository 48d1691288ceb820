"""stigmer-server: the Stigmer gRPC API on a Redis store.

Also hosts the Temporal orchestration of workflow executions.
"""
