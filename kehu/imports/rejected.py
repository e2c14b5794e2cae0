"""The rejected rows of an import as a file: the original columns plus a reason column.

People fix the rows in the downloaded file and import it again, so every column of the sheet is
kept in its place and cell values keep their types (numbers stay numbers, long digit strings
stay text).
"""

import csv
import datetime as dt
import io
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from kehu.imports.engine import load_sheet
from kehu.imports.models import ImportJob, ImportProblem
from kehu.imports.readers import CellValue, read_header


def rejected_reasons(job: ImportJob) -> dict[int, list[str]]:
    """Return {spreadsheet row: reasons} for every rejected row of the job."""
    reasons: dict[int, list[str]] = {}
    problems = ImportProblem.objects.filter(job=job, is_warning=False, row__gt=0).order_by(
        "row", "id"
    )
    for row, column, value, message in problems.values_list("row", "column", "value", "message"):
        text = message
        if column:
            text = _("%(column)s “%(value)s”: %(message)s") % {
                "column": column,
                "value": value,
                "message": message,
            }
        reasons.setdefault(row, []).append(text)
    return reasons


def _rows(job: ImportJob) -> tuple[list[str], list[list[CellValue]]]:
    sheet = load_sheet(job)
    header = read_header(sheet, job.header_row, job.header_rows)
    reasons = rejected_reasons(job)
    titles = [*header.titles, _("Row"), _("Reason")]
    rows = []
    for row_number in sorted(reasons):
        cells = list(sheet.rows[row_number - 1]) if row_number <= len(sheet.rows) else []
        rows.append([*cells, row_number, "；".join(reasons[row_number])])
    return titles, rows


def rejected_xlsx(job: ImportJob) -> bytes:
    titles, rows = _rows(job)
    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(_("Rejected rows"))
    worksheet.append([_xlsx_cell(worksheet, title) for title in titles])
    for row in rows:
        worksheet.append([_xlsx_cell(worksheet, _xlsx_value(value)) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_value(value: CellValue) -> object:
    if isinstance(value, dt.timedelta):
        return str(value)
    return value


def _xlsx_cell(worksheet: Any, value: object) -> object:
    """Keep text that starts with "=" as text: openpyxl would otherwise store it as a formula."""
    if isinstance(value, str) and value.startswith("="):
        cell = WriteOnlyCell(worksheet, value=value)
        cell.data_type = "s"
        return cell
    return value


# Spreadsheet programs run a cell that starts with one of these as a formula (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def rejected_csv(job: ImportJob) -> bytes:
    """Return the rows as UTF-8 CSV with a BOM, which Excel opens without garbling Chinese."""
    titles, rows = _rows(job)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(titles)
    for row in rows:
        writer.writerow([_csv_value(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _csv_value(value: CellValue) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 10**15:
        return str(int(value))
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        # A leading apostrophe makes the program show the text instead of running it.
        return "'" + value
    return str(value)
