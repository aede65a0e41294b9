"""Operations: Prometheus metrics, request ids, structured logs and optional tracing."""
