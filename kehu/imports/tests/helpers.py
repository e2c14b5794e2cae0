"""Helpers for import tests: spreadsheet files written on the fly and a synchronous import."""

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import openpyxl
from django.core.files import File

from kehu.imports import services, tasks
from kehu.imports.models import ImportJob, ImportKind, OnDuplicate
from kehu.org.models import User
from kehu.sales.models import Pipeline


def write_xlsx(
    path: Path,
    rows: Sequence[Sequence[object]],
    *,
    merges: Sequence[str] = (),
    title: str = "Sheet1",
    extra_sheets: dict[str, Sequence[Sequence[object]]] | None = None,
) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = title
    for row in rows:
        sheet.append(list(row))
    for area in merges:
        sheet.merge_cells(area)
    for name, extra_rows in (extra_sheets or {}).items():
        extra = workbook.create_sheet(name)
        for row in extra_rows:
            extra.append(list(row))
    workbook.save(path)
    return path


def write_csv(
    path: Path, rows: Sequence[Sequence[object]], *, encoding: str = "utf-8", delimiter: str = ","
) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def prepare(
    actor: User,
    path: Path,
    *,
    kind: str = ImportKind.CUSTOMERS,
    owner: User | None = None,
    unassigned: bool = False,
    on_duplicate: str = OnDuplicate.SKIP,
    targets: dict[str, str] | None = None,
    sheet: str = "",
    header_row: int | None = None,
    header_rows: int | None = None,
    pipeline: Pipeline | None = None,
) -> ImportJob:
    """Upload a file and map it: suggested targets, overridden by {title: target}."""
    with path.open("rb") as handle:
        job = services.create_import(actor, File(handle), path.name, kind=kind)
    if sheet or header_row:
        job = services.choose_sheet(actor, job, sheet or job.sheet_name, header_row, header_rows)
    chosen = [str(entry.get("target", "")) for entry in job.mapping]
    titles = [str(entry["title"]) for entry in job.mapping]
    for title, target in (targets or {}).items():
        chosen[titles.index(title)] = target
    return services.set_mapping(
        actor,
        job,
        chosen,
        assign_owner=not unassigned,
        owner=None if unassigned else owner or actor,
        on_duplicate=on_duplicate,
        pipeline=pipeline,
    )


def check(actor: User, job: ImportJob) -> ImportJob:
    return services.check_now(actor, job)


def run(actor: User, path: Path, **options: Any) -> ImportJob:
    """Upload, check and commit a file in this process, as the management command does."""
    job = check(actor, prepare(actor, path, **options))
    token = services.claim_for_command(actor, job)
    tasks.run(job.pk, token)
    job.refresh_from_db()
    return job


def counts(job: ImportJob) -> dict[str, int]:
    return {
        "created": job.created,
        "updated": job.updated,
        "skipped": job.skipped,
        "rejected": job.rejected,
        "contacts_created": job.contacts_created,
    }


def problems(job: ImportJob, *, warnings: bool = False) -> list[tuple[int, str, str, str]]:
    rows = job.problems.filter(is_warning=warnings).order_by("row", "id")
    return list(rows.values_list("row", "column", "value", "message"))


def write_formula_xlsx(path: Path, rows: Sequence[Sequence[tuple[str, str] | str]]) -> Path:
    """Write an xlsx whose cells may be formulas with a stored value, as Excel saves them.

    A cell is text, or (formula, stored value). openpyxl cannot store a formula's value, so the
    sheet XML is written by hand.
    """
    import zipfile
    from xml.sax.saxutils import escape

    from kehu.imports.readers import column_letter

    cells_xml = []
    for row_index, row in enumerate(rows, start=1):
        cells = []
        for column_index, cell in enumerate(row):
            ref = f"{column_letter(column_index)}{row_index}"
            if isinstance(cell, tuple):
                formula, value = cell
                cells.append(
                    f'<c r="{ref}" t="str"><f>{escape(formula)}</f><v>{escape(value)}</v></c>'
                )
            else:
                cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{escape(cell)}</t></is></c>')
        cells_xml.append(f'<row r="{row_index}">{"".join(cells)}</row>')
    office = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    relations = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    package = "http://schemas.openxmlformats.org/package/2006/relationships"
    files = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{office}.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            f'ContentType="{office}.worksheet+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{package}">'
            f'<Relationship Id="rId1" Type="{relations}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"
        ),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{main}" xmlns:r="{relations}">'
            '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{package}">'
            f'<Relationship Id="rId1" Type="{relations}/worksheet" Target="worksheets/sheet1.xml"/>'
            "</Relationships>"
        ),
        "xl/worksheets/sheet1.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{main}">'
            f"<sheetData>{''.join(cells_xml)}</sheetData></worksheet>"
        ),
    }
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return path
