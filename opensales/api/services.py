"""Personal access tokens: create, revoke, and check a presented secret. Writes are atomic and audited."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from opensales.audit.models import AuditEvent
from opensales.audit.services import record
from opensales.core.access_stamp import Kept, copy_record, current

from .models import ApiToken

SECRET_PREFIX = "osk_"  # "OpenSales key": recognisable in logs and by secret scanners
PREFIX_LENGTH = 12  # "osk_" + 8 characters of the random part
# last_used_at is written at most this often per token, so reads do not turn into writes.
TOUCH_INTERVAL = timedelta(minutes=1)

TOKEN_CREATE = "api.token_create"
TOKEN_REVOKE = "api.token_revoke"
TOKEN_AUTH_FAILED = "api.token_auth_failed"


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def token_create(
    *,
    actor: Any,
    user: Any,
    name: str,
    scope: str = ApiToken.Scope.READ,
    expires_at: datetime | None = None,
    factors: list[str] | None = None,
) -> tuple[ApiToken, str]:
    """Make a token for `user`; returns (token, secret). The secret is not kept anywhere."""
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": _("The expiry must be in the future.")})
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        name=name.strip(),
        scope=scope,
        prefix=secret[:PREFIX_LENGTH],
        key_hash=hash_secret(secret),
        expires_at=expires_at,
        user_stamp=user.security_stamp,
    )
    token.full_clean()
    token.save()
    changes: dict[str, Any] = {
        "token": token.pk,
        "name": token.name,
        "scope": token.scope,
        "expires_at": expires_at.isoformat() if expires_at else None,
    }
    if factors is not None:
        changes["factors"] = factors
    record(action=TOKEN_CREATE, actor=actor, obj=user, changes=changes)
    return token, secret


@transaction.atomic
def token_revoke(*, actor: Any, token: ApiToken) -> ApiToken:
    """Revoke at once; revoking a revoked token changes nothing and records nothing."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record(
            action=TOKEN_REVOKE,
            actor=actor,
            obj=token.user,
            changes={"token": token.pk, "name": token.name, "prefix": token.prefix},
        )
    return token


@dataclass(frozen=True)
class TokenCheck:
    token: ApiToken | None
    reason: str = ""  # why it was refused: unknown, revoked, expired, inactive_user, stale_credentials

    @property
    def ok(self) -> bool:
        return self.token is not None and not self.reason


def check_secret(secret: str) -> TokenCheck:
    """Find the token for a presented secret and decide whether it may be used now.

    The user is loaded with the token and checked on every request, so deactivating a user, or a
    change or reset of their password (which rotates their security stamp), stops their tokens at once.
    """
    if not secret.startswith(SECRET_PREFIX) or len(secret) > 200:
        return TokenCheck(None, "unknown")
    token = _find(hash_secret(secret))
    if token is None:
        return TokenCheck(None, "unknown")
    if token.revoked_at is not None:
        return TokenCheck(token, "revoked")
    if token.is_expired:
        return TokenCheck(token, "expired")
    if not token.user.is_active:
        return TokenCheck(token, "inactive_user")
    if token.user_stamp != token.user.security_stamp:
        # The password was changed or reset since the token was made: it dies with the old sessions.
        return TokenCheck(token, "stale_credentials")
    return TokenCheck(token)


# Each process keeps the tokens it found, with their users, under the access stamp they were read at
# (core/access_stamp.py watches tokens and users, but not the time of their last use): the stamp is one
# query per request, which the scope then reads its grants at, instead of the token's and the stamp's.
# key hash → the token with its user
_kept = Kept(capacity=5000)


def _find(key_hash: str) -> ApiToken | None:
    stamp = current()
    kept = _kept.get(key_hash, stamp)
    if kept is not None:
        token = copy_record(kept)  # the request may change its user, never the kept one
    else:
        token = ApiToken.objects.select_related("user").filter(key_hash=key_hash).first()
        if token is None:
            return None
        _kept.put(key_hash, stamp, copy_record(token))
    token.user.access_stamp = stamp  # core.scope.grants_for reads the grants at this stamp
    return token


def touch(token: ApiToken) -> None:
    """Note the use of a token, at most once per TOUCH_INTERVAL (one UPDATE, no read)."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_INTERVAL:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
        kept = _kept.peek(token.key_hash)
        if kept is not None:
            kept.last_used_at = now


def record_failed_auth(*, secret: str, check: TokenCheck, ip: str | None) -> None:
    """Audit a refused token. Only our own prefix is kept: a pasted password must not reach the log."""
    shown = secret[:PREFIX_LENGTH] if secret.startswith(SECRET_PREFIX) else ""
    token = check.token
    record(
        action=TOKEN_AUTH_FAILED,
        object_type="api.apitoken",
        object_id=token.pk if token else "",
        object_repr=f"{token.user.username}: {shown}" if token else shown,
        changes={"reason": check.reason},
        outcome=AuditEvent.Outcome.DENIED,
        ip=ip,
    )
