"""Code that several Assure services need: contracts, NATS wiring, event-store set-up."""
