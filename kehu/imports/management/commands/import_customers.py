"""Import a spreadsheet from the command line, with the same checks and writes as the pages."""

import json
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q
from django.utils.translation import gettext as _

from kehu.imports import mapping, services, tasks
from kehu.imports.models import ImportJob, ImportKind, ImportProblem, OnDuplicate
from kehu.imports.queries import visible_templates
from kehu.org.models import Preset, User
from kehu.sales.models import Pipeline


class Command(BaseCommand):
    help = (
        "Import customers, contacts, follow-up history, products, deals, contracts or a sales team "
        "from an xlsx, xls or csv file. Prints the "
        "counts created, updated, skipped as duplicates and rejected, and every problem."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="The spreadsheet file to import.")
        parser.add_argument(
            "--sheet", default="", help="Sheet name (default: the first visible sheet)."
        )
        parser.add_argument(
            "--header-row",
            type=int,
            help="1-based row of the column titles (default: found automatically).",
        )
        parser.add_argument(
            "--header-rows",
            type=int,
            choices=(1, 2),
            help="Rows in the header (default: found automatically).",
        )
        parser.add_argument(
            "--owner", help="Username of the owner of new customers (default: the importing user)."
        )
        parser.add_argument(
            "--unassigned", action="store_true", help="Leave new customers without an owner."
        )
        parser.add_argument(
            "--as",
            dest="actor",
            help="Username of the user the import runs as (default: the owner, else the first "
            "boss).",
        )
        parser.add_argument(
            "--kind",
            choices=ImportKind.values,
            default=ImportKind.CUSTOMERS,
            help="What the file contains (default: customers).",
        )
        parser.add_argument(
            "--on-duplicate",
            choices=OnDuplicate.values,
            default=OnDuplicate.SKIP,
            help="What to do with a row that matches a stored record (default: skip).",
        )
        parser.add_argument(
            "--pipeline",
            help="Name of the pipeline of imported deals (default: the default pipeline).",
        )
        parser.add_argument("--template", help="Name of a saved mapping template to apply.")
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="TITLE=TARGET",
            help="Map a column title to a target such as customer.name or contact.mobile; an "
            "empty target ignores the column. Repeatable.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Check every row and report, writing nothing."
        )
        parser.add_argument(
            "--json", action="store_true", help="Print one JSON object instead of text."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        if not path.is_file():
            raise CommandError(_("No file at %(path)s.") % {"path": path})
        actor = self._actor(options)
        owner = (
            None
            if options["unassigned"]
            else self._user(options["owner"])
            if options["owner"]
            else actor
        )
        job = self._upload(actor, path, options["kind"])
        try:
            job = self._prepare(actor, owner, job, options)
            job = services.check_now(actor, job)
        except (ValidationError, PermissionDenied, CommandError) as error:
            # A refused import leaves nothing behind, as a refused page request does.
            services.discard_import(actor, job)
            if isinstance(error, CommandError):
                raise
            raise CommandError(_messages(error)) from error
        if options["dry_run"]:
            self._report(job, options["json"], dry_run=True)
            services.discard_import(actor, job)
            return
        try:
            token = services.claim_for_command(actor, job)
        except (ValidationError, PermissionDenied) as error:
            raise CommandError(_messages(error)) from error
        tasks.run(job.pk, token)
        job.refresh_from_db()
        self._report(job, options["json"], dry_run=False)

    def _user(self, username: str) -> User:
        try:
            return User.objects.get(username=username, is_active=True)
        except User.DoesNotExist:
            raise CommandError(_("No active user “%(name)s”.") % {"name": username}) from None

    def _actor(self, options: dict[str, Any]) -> User:
        if options["actor"]:
            return self._user(options["actor"])
        if options["owner"]:
            return self._user(options["owner"])
        boss = (
            User.objects.filter(Q(role__preset=Preset.BOSS) | Q(is_superuser=True), is_active=True)
            .order_by("pk")
            .first()
        )
        if boss is None:
            raise CommandError(_("No boss account exists; name the importing user with --as."))
        return boss

    def _upload(self, actor: User, path: Path, kind: str) -> ImportJob:
        try:
            with path.open("rb") as handle:
                return services.create_import(actor, File(handle), path.name, kind=kind)
        except (ValidationError, PermissionDenied) as error:
            raise CommandError(_messages(error)) from error

    def _prepare(
        self, actor: User, owner: User | None, job: ImportJob, options: dict[str, Any]
    ) -> ImportJob:
        if options["sheet"] or options["header_row"]:
            job = services.choose_sheet(
                actor,
                job,
                options["sheet"] or job.sheet_name,
                options["header_row"],
                options["header_rows"],
            )
        if options["template"]:
            template = visible_templates(actor, job.kind).filter(name=options["template"]).first()
            if template is None:
                raise CommandError(
                    _("No mapping template “%(name)s”.") % {"name": options["template"]}
                )
            job = services.apply_template(actor, job, template)
            _check_template_applied(template.columns, job)
        targets = [str(entry.get("target", "")) for entry in job.mapping]
        keys = [mapping.title_key(str(entry["title"])) for entry in job.mapping]
        for item in options["map"]:
            title, separator, target = item.partition("=")
            if not separator or mapping.title_key(title) not in keys:
                raise CommandError(
                    _("--map %(item)s names no column of the file.") % {"item": item}
                )
            targets[keys.index(mapping.title_key(title))] = target.strip()
        return services.set_mapping(
            actor,
            job,
            targets,
            assign_owner=owner is not None,
            owner=owner,
            on_duplicate=options["on_duplicate"],
            pipeline=self._pipeline(options["pipeline"]),
        )

    def _pipeline(self, name: str | None) -> Pipeline | None:
        if not name:
            return None
        found = Pipeline.objects.filter(name=name).first()
        if found is None:
            raise CommandError(_("No pipeline is named “%(name)s”.") % {"name": name})
        return found

    def _report(self, job: ImportJob, as_json: bool, *, dry_run: bool) -> None:
        problems = list(ImportProblem.objects.filter(job=job).order_by("row", "id"))
        counts = {
            "rows": job.rows_total,
            "created": job.created,
            "updated": job.updated,
            "skipped": job.skipped,
            "rejected": job.rejected,
            "contact_rows": job.contact_rows,
            "contacts_created": job.contacts_created,
            "blank_rows": job.blank_rows,
        }
        if as_json:
            data = {
                "import": None if dry_run else str(job.public_id),
                "dry_run": dry_run,
                "status": job.status,
                "sheet": job.sheet_name,
                "header_row": job.header_row,
                **counts,
                "problems": [
                    {
                        "row": p.row,
                        "column": p.column,
                        "value": p.value,
                        "message": p.message,
                        "warning": p.is_warning,
                    }
                    for p in problems
                ],
            }
            self.stdout.write(json.dumps(data, ensure_ascii=False))
            return
        for problem in problems:
            label = _("warning") if problem.is_warning else _("rejected")
            if problem.row == 0:
                # A problem of a whole column, such as one the role does not import.
                self.stdout.write(
                    _("column %(label)s: [%(column)s] %(message)s")
                    % {"label": label, "column": problem.column, "message": problem.message}
                )
                continue
            self.stdout.write(
                _("row %(row)d %(label)s: [%(column)s] “%(value)s” %(message)s")
                % {
                    "row": problem.row,
                    "label": label,
                    "column": problem.column,
                    "value": problem.value,
                    "message": problem.message,
                }
            )
        heading = (
            _("Dry run, nothing written:")
            if dry_run
            else _("Import %(id)s finished:") % {"id": job.public_id}
        )
        self.stdout.write(heading)
        self.stdout.write(
            _(
                "created %(created)d, updated %(updated)d, skipped as duplicates %(skipped)d, "
                "rejected %(rejected)d, rows added as contacts %(contact_rows)d, "
                "contacts created %(contacts_created)d"
            )
            % counts
        )


def _check_template_applied(columns: dict[str, str], job: ImportJob) -> None:
    """Raise CommandError for a column the template maps to a field the importer may not use.

    The page shows such a column as ignored; a command run would otherwise drop it silently.
    """
    errors = []
    for entry in job.mapping:
        wanted = columns.get(mapping.title_key(str(entry["title"])), "")
        if wanted and entry.get("target", "") != wanted:
            errors.append(
                _("Column “%(column)s”: “%(target)s” is not a field you can import into.")
                % {"column": entry["title"], "target": wanted}
            )
    if errors:
        raise CommandError(" ".join(errors))


def _messages(error: ValidationError | PermissionDenied) -> str:
    if isinstance(error, ValidationError):
        return (
            " ".join(message for messages in error.message_dict.values() for message in messages)
            if hasattr(error, "error_dict")
            else " ".join(error.messages)
        )
    return str(error)
