"""A short, human label for the device behind a User-Agent ("Firefox on Windows")."""

from __future__ import annotations

from functools import cache, lru_cache

from ua_parser import Parser, basic, loaders

UNKNOWN = "Unknown device"


@cache
def _parser() -> Parser:
    # Browser and system rules only: the device-model rules are the larger part and would
    # triple the one-off cost of the first label a process draws, for nothing shown here.
    user_agents, systems, _devices = loaders.load_builtins()
    return Parser(basic.Resolver((user_agents, systems, [])))


@lru_cache(maxsize=1024)
def device_label(user_agent: str) -> str:
    if not user_agent:
        return UNKNOWN
    parsed = _parser().parse(user_agent)
    browser, system = parsed.user_agent, parsed.os
    name = browser.family if browser and browser.family != "Other" else None
    platform = system.family if system and system.family != "Other" else None
    if name and platform:
        return f"{name} on {platform}"
    return name or platform or UNKNOWN
