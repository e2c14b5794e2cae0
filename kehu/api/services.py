"""Every write to API tokens: issuing and revoking them."""

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from kehu.api import tokens
from kehu.api.models import ApiToken
from kehu.core import clock
from kehu.org.models import Capability, User

logger = logging.getLogger(__name__)

NAME_LIMIT = 100
# Ten hex digits give about 10^12 prefixes, so even one retry is rare.
PREFIX_ATTEMPTS = 5


def _may_manage_tokens_of(actor: User | None, user: User) -> bool:
    # None is the server operator running a management command.
    if actor is None:
        return True
    if not actor.is_active:
        return False
    return actor.pk == user.pk or actor.has_capability(Capability.MANAGE_USERS)


def issue_token(actor: User | None, user: User, name: str) -> tuple[ApiToken, str]:
    """Create an API token for `user` and return it with the full token text.

    The text is shown once and never stored. A user may issue tokens for themselves and the boss
    for anyone; `actor` None is the server operator. Raises PermissionDenied, or ValidationError
    on "name" or "user".
    """
    if not _may_manage_tokens_of(actor, user):
        raise PermissionDenied(_("You may not create API tokens for this user."))
    name = name.strip()
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("Give the token a name, such as the system that will use it.")]
    elif len(name) > NAME_LIMIT:
        errors["name"] = [
            _("At most %(limit)d characters, got %(count)d.")
            % {"limit": NAME_LIMIT, "count": len(name)}
        ]
    if not user.is_active:
        errors["user"] = [
            _("The user “%(username)s” is deactivated and cannot have API tokens.")
            % {"username": user.username}
        ]
    if errors:
        raise ValidationError(errors)

    secret = tokens.new_secret()
    for _attempt in range(PREFIX_ATTEMPTS):
        prefix = tokens.new_prefix()
        try:
            with transaction.atomic():
                token = ApiToken.objects.create(
                    user=user,
                    name=name,
                    prefix=prefix,
                    key_hash=tokens.hash_secret(secret),
                    created_at=clock.now(),
                )
        except IntegrityError:
            logger.warning("API token prefix %s already taken; drawing another", prefix)
            continue
        logger.info("API token %s issued for user %s", token.prefix, user.pk)
        return token, tokens.format_token(prefix, secret)
    raise RuntimeError("could not draw an unused API token prefix")


def revoke_token(actor: User | None, token: ApiToken) -> ApiToken:
    """Revoke a token so the next request with it is rejected; revoking twice changes nothing."""
    if not _may_manage_tokens_of(actor, token.user):
        raise PermissionDenied(_("You may not revoke this API token."))
    now = clock.now()
    updated = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now)
    token.refresh_from_db(fields=["revoked_at"])
    if updated:
        logger.info("API token %s revoked for user %s", token.prefix, token.user_id)
    return token
