"""Events in: the CloudEvents HTTP ingress, its durable store, and delivery to ``listen`` tasks
(ADR 0037)."""
