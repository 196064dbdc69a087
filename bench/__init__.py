"""Benchmarks of the running system, driven through its public HTTP API."""
