"""workflow-runner: ExecuteWorkflow and the Python interpreter of the DSL on Temporal."""
