from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from kehu.api import services
from kehu.org.models import User


class Command(BaseCommand):
    help = (
        "Create an API token for a user and print it once; only its SHA-256 digest is stored. "
        "The token goes to standard output alone, so scripts can capture it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="The user the token acts as.")
        parser.add_argument(
            "--name",
            required=True,
            help="What the token is for, such as the system that uses it; at most 100 characters.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(
                _("No user has the username “%(username)s”.") % {"username": options["username"]}
            )
        try:
            token, text = services.issue_token(None, user, options["name"])
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None

        self.stdout.write(text)
        self.stderr.write(
            _(
                "Created API token %(prefix)s “%(name)s” for %(username)s. Copy it now: it is "
                "not stored and cannot be shown again."
            )
            % {"prefix": token.prefix, "name": token.name, "username": user.username}
        )
