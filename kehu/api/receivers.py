"""Receivers of signals from the apps below the API, connected in ApiConfig.ready."""

from typing import Any

from django.dispatch import receiver

from kehu.api import services
from kehu.api.models import ApiToken
from kehu.org.models import User
from kehu.org.signals import user_deactivated


@receiver(user_deactivated, dispatch_uid="kehu.api.revoke_tokens_of_deactivated_user")
def revoke_tokens_of_deactivated_user(
    sender: type[User], *, user: User, actor: User | None, **kwargs: Any
) -> None:
    """Revoke every token of a deactivated user, inside the deactivation's transaction."""
    for token in ApiToken.objects.filter(user=user, revoked_at__isnull=True).select_related("user"):
        services.revoke_token(actor, token)
