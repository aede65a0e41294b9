"""Device labels on "my sessions": browser and system from the User-Agent."""

from __future__ import annotations

import pytest

from chatkit_bff.auth.devices import device_label


@pytest.mark.parametrize(
    ("user_agent", "label"),
    [
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
            "Edge on Windows",
        ),
        (
            "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
            "Firefox on Linux",
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Mobile Safari/537.36",
            "Chrome Mobile on Android",
        ),
        ("curl/8.5.0", "curl"),
        ("", "Unknown device"),
        ("\x00garbage", "Unknown device"),
    ],
)
def test_device_label(user_agent: str, label: str) -> None:
    assert device_label(user_agent) == label
