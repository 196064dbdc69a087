"""NATS JetStream wiring: topology, the outbox relay and tracked consumers."""
