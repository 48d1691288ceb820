"""workflow-runner: the ExecuteWorkflow activity and the Python interpreter of the Serverless Workflow DSL on Temporal."""
