"""The runner's Temporal activities: ExecuteWorkflow and the progress reporter."""
