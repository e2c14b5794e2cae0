"""Set a user's password from the console, in place of Django's own changepassword.

Django's command only saves the new hash. This one goes through kehu.org.passwords, so the
user's sessions end, their API tokens are revoked and the change is audited.
"""

import getpass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kehu.org.models import User
from kehu.org.passwords import set_password_from_console

# Tries before the command gives up, as Django's command allows.
ATTEMPTS = 3


class Command(BaseCommand):
    help = (
        "Set a user's password. Ends the user's sessions, revokes their API tokens and records "
        "an audit entry."
    )
    requires_migrations_checks = True

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="The user whose password to set.")

    def handle(self, *args: Any, **options: Any) -> None:
        username = options["username"]
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(
                _("No user has the username “%(username)s”.") % {"username": username}
            )

        for _attempt in range(ATTEMPTS):
            password = getpass.getpass(
                _("New password for %(username)s: ") % {"username": username}
            )
            again = getpass.getpass(_("The new password again: "))
            if password != again:
                self.stderr.write(_("The two passwords differ. Try again."))
                continue
            try:
                ended = set_password_from_console(user, password)
            except ValidationError as error:
                for messages in error.message_dict.values():
                    for message in messages:
                        self.stderr.write(message)
                continue
            message = ngettext(
                "Set the password of %(username)s; %(count)d session ended.",
                "Set the password of %(username)s; %(count)d sessions ended.",
                ended,
            )
            self.stdout.write(message % {"username": username, "count": ended})
            return
        raise CommandError(_("The password was not changed."))
