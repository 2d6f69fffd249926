"""Metrics (Prometheus), health and readiness, and log formatting for every process."""
