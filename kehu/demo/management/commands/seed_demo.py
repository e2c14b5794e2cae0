"""`kehu seed_demo`: fill an empty database with a demo company and print how to log in."""

import argparse
import os
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from kehu.core import clock
from kehu.demo.plan import DEFAULT_CUSTOMERS, DEFAULT_SEED
from kehu.demo.seed import new_password, seed_company
from kehu.org.models import User

LOGIN_FILE_NAME = "demo-login.txt"


def demo_url() -> str:
    """Return the address ./run serves on, which KEHU_ADDRESS sets as host:port."""
    return "http://" + (os.environ.get("KEHU_ADDRESS", "").strip() or "127.0.0.1:8000")


def login_file() -> Path:
    return Path(settings.VAR_DIR) / LOGIN_FILE_NAME


def login_header() -> str:
    return _("Open %(url)s and log in as one of these demo users:") % {"url": demo_url()}


def login_lines(users: list[User], password: str) -> list[str]:
    lines = [login_header()]
    for user in users:
        role = str(user.role) if user.role else "-"
        lines.append(f"  {user.username:<8} {role}（{user.display_name}）")
    lines.append(_("Password of every demo user: %(password)s") % {"password": password})
    return lines


def write_private_file(path: Path, lines: list[str]) -> None:
    """Replace `path` with `lines`, readable and writable by the owner only (mode 0600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    # os.open applies the mode only when it creates the file, so a leftover keeps its mode.
    partial.chmod(0o600)
    partial.replace(path)


def positive_int(raw: str) -> int:
    value = int(raw)
    if value < 1:
        raise argparse.ArgumentTypeError(_("must be at least 1, got %(value)d") % {"value": value})
    return value


class Command(BaseCommand):
    help = (
        "Create a demo company (users, about 300 customers and their follow-ups) on an empty "
        "database, save the login to var/demo-login.txt and print it."
    )

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help=(
                "On a database that already has users, print the saved demo login and create "
                "nothing, instead of failing."
            ),
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=DEFAULT_SEED,
            help="Seed of the random generator; one seed always gives one company.",
        )
        parser.add_argument(
            "--customers",
            type=positive_int,
            default=DEFAULT_CUSTOMERS,
            help="Number of customers to create (default: %(default)s).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        password = new_password()
        # On SQLite the transaction takes the write lock at once, so two starts cannot both
        # find the database empty. On PostgreSQL the second one fails on the unique username.
        with transaction.atomic():
            if User.objects.exists():
                if not options["if_empty"]:
                    raise CommandError(
                        _("The database already has users; seed_demo only fills an empty database.")
                    )
                self.print_saved_login()
                return
            result = seed_company(
                password, start=clock.now(), seed=options["seed"], count=options["customers"]
            )
            lines = login_lines(result.users, password)
            # Written before the commit: if this fails, the demo users are rolled back too.
            write_private_file(login_file(), lines)

        self.stdout.write(
            _(
                "Created the demo company: %(customers)d customers and %(follow_ups)d follow-ups "
                "in %(seconds).1f s."
            )
            % {
                "customers": result.customers,
                "follow_ups": result.follow_ups,
                "seconds": time.monotonic() - started,
            }
        )
        for line in lines:
            self.stdout.write(line)
        self.stdout.write(_("The login is saved in %(path)s.") % {"path": login_file()})

    def print_saved_login(self) -> None:
        path = login_file()
        if not path.exists():
            self.stdout.write(
                _(
                    "The database already has users, so no demo company was created. "
                    "Log in with your own account."
                )
            )
            return
        # The address may differ from the first start's, and demo users may since have been
        # deactivated, so the header is built anew and only active users are listed.
        active = set(User.objects.filter(is_active=True).values_list("username", flat=True))
        self.stdout.write(login_header())
        for line in path.read_text(encoding="utf-8").splitlines()[1:]:
            if line.startswith("  ") and line.split()[0] not in active:
                continue
            self.stdout.write(line)
