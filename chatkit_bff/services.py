"""The BFF's long-lived service objects, built once per app from the settings."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import redis

from chatkit_bff.admin.actions import AdminOps
from chatkit_bff.admin.audit import AuditLog
from chatkit_bff.admin.directory import UserDirectory
from chatkit_bff.admin.erasure import Eraser
from chatkit_bff.apps import AppUsers
from chatkit_bff.auth.sign_ins import SignInRegistry
from chatkit_bff.chat_sessions.broker import SessionBroker
from chatkit_bff.chat_sessions.late_answers import SessionCreates
from chatkit_bff.chat_sessions.ledger import MintLedger
from chatkit_bff.chat_sessions.mint_limit import MintLimit
from chatkit_bff.chat_sessions.sealing import SealedBox
from chatkit_bff.chat_sessions.secret_cache import SecretCache
from chatkit_bff.policy.store import PolicyStore
from chatkit_bff.redis_connection import connect, parse_redis_url
from chatkit_bff.retention.job import RetentionJob
from chatkit_bff.settings import Settings
from chatkit_bff.upstream import BreakerConfig, ChatKitClient, ClientConfig


@dataclass
class Services:
    settings: Settings
    redis: redis.Redis
    chatkit: ChatKitClient
    policies: PolicyStore
    secrets: SecretCache
    ledger: MintLedger
    creates: SessionCreates
    broker: SessionBroker
    mint_limit: MintLimit
    sign_ins: SignInRegistry
    directory: UserDirectory
    audit: AuditLog
    admin: AdminOps
    retention: RetentionJob
    erasure: Eraser
    app_users: AppUsers
    #: The time (epoch seconds) for everything that compares it with a stored moment.
    clock: Callable[[], float] = time.time

    def close(self) -> None:
        self.creates.close()
        self.chatkit.close()
        self.redis.close()


def build_services(settings: Settings, *, clock: Callable[[], float] = time.time) -> Services:
    """Every service, reading the time from ``clock`` (epoch seconds) where it matters."""
    client = connect(parse_redis_url(settings.redis_url))
    chatkit = ChatKitClient(
        ClientConfig(
            api_key=settings.openai_api_key,
            base_url=settings.chatkit_api_base,
            connect_timeout=settings.connect_timeout,
            read_timeout=settings.read_timeout,
            deadline=settings.upstream_deadline,
            max_concurrency=settings.upstream_concurrency,
            breaker=BreakerConfig(
                failures=settings.breaker_failures,
                window=settings.breaker_window,
                cool_down=settings.breaker_cool_down,
            ),
        )
    )
    secrets = SecretCache(
        client,
        SealedBox(settings.secret_key, b"chatkit-bff client-secret cache v1"),
        lock_wait_seconds=settings.secret_lock_wait_seconds,
        enabled=settings.secret_cache_enabled,
        clock=clock,
    )
    ledger = MintLedger(client)
    creates = SessionCreates(
        chatkit,
        ledger,
        answer_wait=settings.read_timeout,
        workers=settings.upstream_concurrency,
        clock=clock,
    )
    policies = PolicyStore(
        client,
        claim_variables=settings.state_variable_claims.values(),
        clock=clock,
        app_defaults=settings.apps.file_policies(),
    )
    broker = SessionBroker(
        client=chatkit,
        redis_client=client,
        policies=policies,
        cache=secrets,
        ledger=ledger,
        apps=settings.apps,
        claim_map=settings.state_variable_claims,
        clock=clock,
        creates=creates,
    )
    sign_ins = SignInRegistry(client, idle_seconds=settings.session_idle_seconds)
    directory = UserDirectory(client)
    audit = AuditLog(client, max_entries=settings.audit_max_entries)
    app_users = AppUsers(client)
    return Services(
        settings=settings,
        redis=client,
        chatkit=chatkit,
        policies=policies,
        secrets=secrets,
        ledger=ledger,
        creates=creates,
        broker=broker,
        mint_limit=MintLimit(client),
        sign_ins=sign_ins,
        directory=directory,
        audit=audit,
        admin=AdminOps(
            policies=policies,
            audit=audit,
            directory=directory,
            broker=broker,
            sign_ins=sign_ins,
            secrets=secrets,
            ledger=ledger,
            apps=settings.apps,
        ),
        retention=RetentionJob(
            chatkit=chatkit,
            redis_client=client,
            policies=policies,
            directory=directory,
            app_users=app_users,
            audit=audit,
            clock=clock,
        ),
        erasure=Eraser(
            redis_client=client,
            chatkit=chatkit,
            directory=directory,
            policies=policies,
            broker=broker,
            sign_ins=sign_ins,
            ledger=ledger,
            audit=audit,
            app_users=app_users,
        ),
        app_users=app_users,
        clock=clock,
    )
