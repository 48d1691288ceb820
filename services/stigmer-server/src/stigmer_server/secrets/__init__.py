"""Secret values: encryption at rest, redaction in API responses, the runner's read."""
