"""The deadline, concurrency cap, breaker and export cap are read from the environment and
checked at start-up like every other setting."""

from __future__ import annotations

import pytest

from chatkit_bff.settings import ConfigError, load_settings
from tests.test_settings import PRODUCTION


def test_defaults() -> None:
    settings = load_settings(PRODUCTION)
    assert settings.upstream_deadline == 10.0
    assert settings.upstream_concurrency == 5
    assert (settings.breaker_failures, settings.breaker_window) == (5, 30.0)
    assert settings.breaker_cool_down == 30.0
    assert settings.export_max_items == 2000


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("UPSTREAM_DEADLINE", "0"),
        ("UPSTREAM_DEADLINE", "nan"),
        ("UPSTREAM_CONCURRENCY", "0"),
        ("UPSTREAM_CONCURRENCY", "²"),
        ("UPSTREAM_BREAKER_FAILURES", "-1"),
        ("UPSTREAM_BREAKER_WINDOW", "never"),
        ("UPSTREAM_BREAKER_COOL_DOWN", "-5"),
        ("EXPORT_MAX_ITEMS", "1.5"),
    ],
)
def test_a_bad_value_is_one_line_naming_it(name: str, value: str) -> None:
    with pytest.raises(ConfigError) as refused:
        load_settings({**PRODUCTION, name: value})
    assert len(refused.value.problems) == 1
    assert refused.value.problems[0].startswith(name)
