"""Seed the development emulator with demo conversations for a demo user, once."""

from __future__ import annotations

import logging

import requests

from chatkit_bff.upstream import ChatKitClient

log = logging.getLogger(__name__)


def emulator_root(api_base: str) -> str:
    return api_base.removesuffix("/").removesuffix("/v1")


def seed_demo_conversations(
    client: ChatKitClient, api_base: str, user_id: str, display_name: str
) -> int:
    """Give a demo user the demo threads if they have none; returns how many were added.

    The conversations belong to the emulator (its control API seeds them), so the product
    carries no demo data of its own.
    """
    if client.list_threads(user=user_id, limit=1)["data"]:
        return 0
    response = requests.post(
        emulator_root(api_base) + "/_emulator/demo",
        json={"user": user_id, "display_name": display_name},
        timeout=10,
    )
    response.raise_for_status()
    count = len(response.json()["threads"])
    log.info("seeded %d demo threads for %s", count, display_name)
    return count
