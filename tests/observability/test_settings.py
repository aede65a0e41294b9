"""The operations settings are checked at start-up like every other, one line per problem."""

from __future__ import annotations

import pytest

from chatkit_bff.settings import ConfigError, load_settings
from tests.test_settings import PRODUCTION


def test_operations_settings_load_and_bad_values_stop_start_up() -> None:
    settings = load_settings(
        {
            **PRODUCTION,
            "LOG_FORMAT": "JSON",
            "METRICS_TOKEN": "m" * 8 + "-token-123456",
            "METRICS_PORT": "0.0.0.0:9464",
            "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318",
        }
    )
    assert settings.log_format == "json"
    assert settings.metrics_port == "0.0.0.0:9464"
    assert "token-123456" not in repr(settings)

    with pytest.raises(ConfigError) as refused:
        load_settings(
            {
                **PRODUCTION,
                "LOG_FORMAT": "xml",
                "METRICS_TOKEN": "short",
                "METRICS_PORT": "99999",
                "OTEL_EXPORTER_OTLP_ENDPOINT": "collector:4318",
            }
        )
    assert refused.value.problems == [
        "LOG_FORMAT must be text or json, got 'xml'",
        "METRICS_TOKEN is too short: use at least 16 random characters",
        "METRICS_PORT must be a port or host:port, got '99999'",
        "OTEL_EXPORTER_OTLP_ENDPOINT must be an http(s) URL, got 'collector:4318'",
    ]
