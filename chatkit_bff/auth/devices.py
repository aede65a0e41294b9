"""A short, human label for the device behind a User-Agent ("Firefox on Windows")."""

from __future__ import annotations

from functools import lru_cache

from ua_parser import parse_os, parse_user_agent

UNKNOWN = "Unknown device"


@lru_cache(maxsize=1024)
def device_label(user_agent: str) -> str:
    if not user_agent:
        return UNKNOWN
    browser = parse_user_agent(user_agent)
    system = parse_os(user_agent)
    name = browser.family if browser and browser.family != "Other" else None
    platform = system.family if system and system.family != "Other" else None
    if name and platform:
        return f"{name} on {platform}"
    return name or platform or UNKNOWN
