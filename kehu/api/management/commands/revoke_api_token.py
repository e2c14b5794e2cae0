from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from kehu.api import services
from kehu.api.models import ApiToken


class Command(BaseCommand):
    help = "Revoke an API token, given its prefix (the 10 hex digits after kehu_) or whole text."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("token", help="The token's prefix, such as 3f9a0c12de, or the token.")

    def handle(self, *args: Any, **options: Any) -> None:
        text = options["token"].strip()
        prefix = text.removeprefix("kehu_")[:10]
        token = ApiToken.objects.select_related("user").filter(prefix=prefix).first()
        if token is None:
            raise CommandError(_("No API token has the prefix “%(prefix)s”.") % {"prefix": prefix})
        if token.is_revoked:
            self.stdout.write(
                _("API token %(prefix)s was already revoked.") % {"prefix": token.prefix}
            )
            return

        services.revoke_token(None, token)

        self.stdout.write(
            _("Revoked API token %(prefix)s “%(name)s” of %(username)s.")
            % {"prefix": token.prefix, "name": token.name, "username": token.user.username}
        )
