"""API tokens: create (shown once), authenticate, mark as used, revoke. Only a SHA-256 digest is stored.

A token reads `yb_<key id>.<secret>`: the key id (12 hex characters) finds the row, the digest of the whole token
is compared in constant time. The secret is `secrets.token_urlsafe(32)` (256 bits), so a fast digest is enough:
nothing is gained by stretching a random key the way a password is stretched.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import secrets

from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import ApiToken

PREFIX = "yb_"
# last_used_at is written at most once a minute per token, not on every request.
LAST_USED_PRECISION = datetime.timedelta(minutes=1)


class TokenError(Exception):
    """A token that cannot be created as asked (the message, in Chinese, says why)."""


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def api_token_create(*, user, name: str) -> tuple[ApiToken, str]:
    """A new token of `user` named `name`, and its value: the only time the value is known."""
    name = " ".join((name or "").split())[:100]
    if not name:
        raise TokenError(_("Give the token a name."))
    key_id = secrets.token_hex(6)
    raw = f"{PREFIX}{key_id}.{secrets.token_urlsafe(32)}"
    try:
        with transaction.atomic():
            token = ApiToken.objects.create(user=user, name=name, key_id=key_id, digest=_digest(raw))
    except IntegrityError as exc:
        raise TokenError(_("You already have a token with this name.")) from exc
    return token, raw


def api_token_authenticate(raw: str) -> ApiToken | None:
    """The active token of an active user with this value, else None; its last use is recorded."""
    if not raw.startswith(PREFIX) or "." not in raw:
        return None
    key_id = raw[len(PREFIX) :].split(".", 1)[0]
    token = (
        ApiToken.objects.select_related("user", "user__staff")
        .filter(key_id=key_id, revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None or not hmac.compare_digest(token.digest, _digest(raw)):
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def api_token_revoke(*, user, token_id: int) -> bool:
    """Revoke one of the user's own active tokens; False when it has none with this id."""
    return bool(
        ApiToken.objects.filter(pk=token_id, user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    )


def api_tokens_of(*, user) -> QuerySet[ApiToken]:
    """The user's tokens, active first, newest first."""
    return ApiToken.objects.filter(user=user).order_by(F("revoked_at").asc(nulls_first=True), "-created_at")
