"""workflowexecution package."""
