"""The API token format and the lookup that turns a presented token into its user.

A token reads `kehu_<prefix>_<secret>`: the prefix is 10 hex digits stored in clear to find the
row, the secret is 32 random bytes in URL-safe base64, of which only the SHA-256 digest is stored.
"""

import datetime as dt
import hashlib
import hmac
import re
import secrets

from django.db.models import Q

from kehu.api.models import ApiToken
from kehu.core import clock
from kehu.org.models import User

TOKEN_PATTERN = re.compile(r"^kehu_(?P<prefix>[0-9a-f]{10})_(?P<secret>[A-Za-z0-9_-]{43})$")
# Recording every use would turn each API read into a write; a minute is precise enough to show
# whether a token is still in use.
LAST_USED_PRECISION = dt.timedelta(minutes=1)


def new_prefix() -> str:
    return secrets.token_hex(5)


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def format_token(prefix: str, secret: str) -> str:
    return f"kehu_{prefix}_{secret}"


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def user_for_token(raw: str) -> User | None:
    """Return the active user of an unrevoked token, or None; records when the token was used."""
    match = TOKEN_PATTERN.match(raw.strip())
    if match is None:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(prefix=match["prefix"], revoked_at__isnull=True)
        .first()
    )
    if token is None:
        return None
    if not hmac.compare_digest(token.key_hash, hash_secret(match["secret"])):
        return None
    # A deactivated user's tokens stop working with the next request, without being revoked.
    if not token.user.is_active:
        return None

    now = clock.now()
    ApiToken.objects.filter(pk=token.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_PRECISION)
    ).update(last_used_at=now)
    return token.user
