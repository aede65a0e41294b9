"""Metrics, request ids, logs, tracing and the setup doctor."""
