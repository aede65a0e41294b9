"""Retention: conversations older than their owner's `retention_days` are deleted upstream."""
