"""Seeing inside a running Assure: log lines with correlation ids, Prometheus metrics, health."""
