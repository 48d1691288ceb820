"""workflowinstance package."""
