"""Receivers of signals from the apps below the API, connected in ApiConfig.ready."""

from typing import Any

from django.dispatch import receiver

from kehu.api import services
from kehu.api.models import ApiToken
from kehu.org.models import User
from kehu.org.signals import password_set_by_manager, user_deactivated


@receiver(user_deactivated, dispatch_uid="kehu.api.revoke_tokens_of_deactivated_user")
@receiver(password_set_by_manager, dispatch_uid="kehu.api.revoke_tokens_after_password_set")
def revoke_tokens_of_user(
    sender: type[User], *, user: User, actor: User | None, **kwargs: Any
) -> None:
    """Revoke every token of a deactivated user or of one whose password a manager set.

    Runs inside the transaction of the deactivation or of the new password.
    """
    for token in ApiToken.objects.filter(user=user, revoked_at__isnull=True).select_related("user"):
        services.revoke_token(actor, token)
