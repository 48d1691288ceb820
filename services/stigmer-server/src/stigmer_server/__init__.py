"""stigmer-server: the Stigmer gRPC API on a Redis store, and the Temporal orchestration of workflow executions."""
