"""Read spreadsheet files (xlsx, xls, csv) into plain rows of cell values, and find the header.

Excel files are read with python-calamine, which returns the value Excel stored for a formula
cell and never evaluates formulas, and which also reports merged cells. CSV files are decoded as
UTF-8 (with or without BOM), UTF-16 with a BOM, or whatever charset-normalizer detects. GBK and
GB2312 are read as their superset GB18030. The delimiter (comma, semicolon or tab) is sniffed.

Row and column indexes here are 0-based; people see 1-based rows and letter columns.
"""

import codecs
import csv
import dataclasses
import datetime as dt
import io
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import charset_normalizer
from django.utils.translation import gettext as _
from python_calamine import CalamineWorkbook

# A cell as the readers return it; "" for an empty cell.
CellValue = str | float | int | bool | dt.date | dt.datetime | dt.time | dt.timedelta

EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")
CSV_SUFFIXES = (".csv", ".txt", ".tsv")
HEADER_SCAN_ROWS = 30
DELIMITERS = (",", ";", "\t")
# GB2312 and GBK are subsets of GB18030, so GB18030 decodes every file written in either.
_CHINESE_CODECS = {"gb2312", "gbk", "gb18030", "hz", "hz_gb_2312", "cp936"}


class ImportFileError(Exception):
    """The file cannot be read; the message is for people."""


@dataclasses.dataclass
class Sheet:
    name: str
    rows: list[list[CellValue]]
    # Merged ranges as (first row, first column, last row, last column), inclusive.
    merged: list[tuple[int, int, int, int]]
    width: int

    def value(self, row: int, column: int) -> CellValue:
        if row >= len(self.rows) or column >= len(self.rows[row]):
            return ""
        return self.rows[row][column]

    def merged_range(self, row: int, column: int) -> tuple[int, int, int, int] | None:
        for area in self.merged:
            if area[0] <= row <= area[2] and area[1] <= column <= area[3]:
                return area
        return None

    def shown_value(self, row: int, column: int) -> CellValue:
        """Return the displayed value: every cell of a merged area shows its first cell."""
        area = self.merged_range(row, column)
        if area is not None:
            return self.value(area[0], area[1])
        return self.value(row, column)


@dataclasses.dataclass(frozen=True)
class SheetInfo:
    name: str
    visible: bool


@dataclasses.dataclass
class Book:
    """An opened file. CSV files have one sheet named after the file."""

    path: Path
    file_type: str  # "csv", "xlsx" or "xls"
    sheets: list[SheetInfo]
    encoding: str = ""
    delimiter: str = ""

    def default_sheet(self) -> str:
        for info in self.sheets:
            if info.visible:
                return info.name
        return self.sheets[0].name

    def sheet(self, name: str = "") -> Sheet:
        """Return the named sheet (the first visible one for "") with every row padded."""
        name = name or self.default_sheet()
        if name not in {info.name for info in self.sheets}:
            raise ImportFileError(_("The file has no sheet named “%(name)s”.") % {"name": name})
        if self.file_type == "csv":
            return _read_csv(self.path, name, self.encoding, self.delimiter)
        return _read_excel(self.path, name)


def open_book(path: Path | str, file_name: str) -> Book:
    """Open a stored upload. The suffix of `file_name`, the uploaded name, gives its type."""
    path = Path(path)
    suffix = Path(file_name).suffix.lower()
    head = path.read_bytes()[:8]
    is_zip = head.startswith(b"PK\x03\x04")
    is_ole = head.startswith(b"\xd0\xcf\x11\xe0")
    if suffix in EXCEL_SUFFIXES or is_zip or is_ole:
        if not (is_zip or is_ole):
            raise ImportFileError(
                _("“%(name)s” is not an Excel workbook; save it again as .xlsx or .csv.")
                % {"name": file_name}
            )
        try:
            workbook = CalamineWorkbook.from_path(str(path))
            sheets = [
                SheetInfo(meta.name, "Visible" in str(meta.visible))
                for meta in workbook.sheets_metadata
                if "WorkSheet" in str(meta.typ)
            ]
        except Exception as error:  # calamine raises several error types for damaged files
            raise ImportFileError(
                _("“%(name)s” cannot be read as an Excel workbook (%(error)s).")
                % {"name": file_name, "error": error}
            ) from error
        if not sheets:
            raise ImportFileError(_("The workbook has no worksheets."))
        return Book(path, "xlsx" if is_zip else "xls", sheets)
    if suffix not in CSV_SUFFIXES:
        raise ImportFileError(
            _("Files of type “%(suffix)s” cannot be imported; use .xlsx, .xls or .csv.")
            % {"suffix": suffix or file_name}
        )
    text, encoding = decode_text(path.read_bytes())
    delimiter = sniff_delimiter(text)
    return Book(path, "csv", [SheetInfo(Path(file_name).stem or "csv", True)], encoding, delimiter)


def decode_text(data: bytes) -> tuple[str, str]:
    """Return the text of a CSV file and the name of its encoding."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="strict"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    best = charset_normalizer.from_bytes(data).best()
    if best is None or best.encoding is None:
        raise ImportFileError(
            _("The encoding of the file cannot be detected; save it as UTF-8 CSV and try again.")
        )
    encoding = best.encoding.lower()
    if encoding in _CHINESE_CODECS:
        encoding = "gb18030"
    try:
        return data.decode(encoding), encoding
    except (UnicodeDecodeError, LookupError) as error:
        raise ImportFileError(
            _("The file is not valid %(encoding)s text; save it as UTF-8 CSV and try again.")
            % {"encoding": encoding}
        ) from error


def sniff_delimiter(text: str) -> str:
    """Pick the delimiter that splits the first records into the most equal-length rows."""
    sample = text[:65536]
    best = ","
    best_score = (0, 0)
    for delimiter in DELIMITERS:
        reader = csv.reader(io.StringIO(sample), delimiter=delimiter)
        counts: list[int] = []
        try:
            for record in reader:
                if any(cell.strip() for cell in record):
                    counts.append(len(record))
                if len(counts) >= 50:
                    break
        except csv.Error:
            continue
        if not counts:
            continue
        common = max(set(counts), key=counts.count)
        if common < 2:
            continue
        score = (counts.count(common), common)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _read_csv(path: Path, name: str, encoding: str, delimiter: str) -> Sheet:
    try:
        text = path.read_bytes().decode(encoding)
    except (UnicodeDecodeError, LookupError) as error:
        raise ImportFileError(
            _("The file is not valid %(encoding)s text; save it as UTF-8 CSV and try again.")
            % {"encoding": encoding}
        ) from error
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        rows: list[list[CellValue]] = [list(record) for record in reader]
    except csv.Error as error:
        raise ImportFileError(
            _("The CSV file is malformed (%(error)s).") % {"error": error}
        ) from error
    return _padded(name, rows, [])


def _read_excel(path: Path, name: str) -> Sheet:
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        calamine_sheet = workbook.get_sheet_by_name(name)
        raw_rows = list(calamine_sheet.iter_rows())
        start_row, start_column = calamine_sheet.start or (0, 0)
        end = calamine_sheet.end or (0, 0)
        merged_ranges = calamine_sheet.merged_cell_ranges or []
    except Exception as error:  # calamine raises several error types for damaged sheets
        raise ImportFileError(
            _("The sheet “%(name)s” cannot be read (%(error)s).") % {"name": name, "error": error}
        ) from error
    # iter_rows yields from the sheet's first row but only from its first used column.
    row_offset = 0 if len(raw_rows) >= end[0] + 1 else start_row
    rows: list[list[CellValue]] = [[] for _index in range(row_offset)]
    padding: list[CellValue] = [""] * start_column
    for raw in raw_rows:
        rows.append([*padding, *(_cell(value) for value in raw)])
    merged = [(top[0], top[1], bottom[0], bottom[1]) for top, bottom in merged_ranges]
    return _padded(name, rows, merged)


def _cell(value: Any) -> CellValue:
    if value is None:
        return ""
    if isinstance(value, str | bool | int | float | dt.date | dt.time | dt.timedelta):
        return value
    # Error values such as #DIV/0! come as other types; keep what Excel shows.
    return str(value)


def _padded(
    name: str, rows: list[list[CellValue]], merged: list[tuple[int, int, int, int]]
) -> Sheet:
    width = 0
    for row in rows:
        for index in range(len(row) - 1, -1, -1):
            if not is_empty(row[index]):
                width = max(width, index + 1)
                break
    while rows and not any(not is_empty(value) for value in rows[-1]):
        rows.pop()
    padded = [[*row[:width], *([""] * (width - len(row)))] for row in rows]
    return Sheet(name, padded, merged, width)


def is_empty(value: CellValue) -> bool:
    return isinstance(value, str) and value.strip() == ""


def column_letter(index: int) -> str:
    """Return the spreadsheet letter of a 0-based column: 0 -> A, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


@dataclasses.dataclass
class Header:
    row: int  # 1-based spreadsheet row of the first header row
    rows: int  # 1, or 2 for a two-row header whose upper cells are merged over the lower ones
    titles: list[str]
    required: list[bool]  # the title carried a * marker
    untitled: list[bool]

    @property
    def first_data_row(self) -> int:
        """Return the 0-based index of the first data row."""
        return self.row - 1 + self.rows


_MARKERS = "*＊"
_SPACES = re.compile(r"\s+")


def header_text(value: CellValue) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return _SPACES.sub(" ", str(value).replace("\u3000", " ")).strip()


def split_marker(title: str) -> tuple[str, bool]:
    """Return the title without its * required marker, and whether it had one."""
    stripped = title.strip(_MARKERS + " ")
    return stripped, stripped != title.strip()


def _is_notes_row(sheet: Sheet, index: int) -> bool:
    filled = [c for c in range(sheet.width) if not is_empty(sheet.value(index, c))]
    if len(filled) != 1:
        return False
    area = sheet.merged_range(index, filled[0])
    spans_columns = area is not None and area[3] > area[1]
    return spans_columns or len(header_text(sheet.value(index, filled[0]))) > 30


def detect_header(sheet: Sheet, is_known_title: Callable[[str], bool]) -> Header:
    """Find the header row below any notes or title rows, and whether it spans two rows.

    The header is the row among the first 30 whose cells match the most known field titles.
    Without any match it is the first row with two or more filled cells that is not one merged
    notes cell.
    """
    best_index = -1
    best_matches = 0
    fallback = -1
    for index in range(min(HEADER_SCAN_ROWS, len(sheet.rows))):
        if _is_notes_row(sheet, index):
            continue
        texts = [header_text(sheet.shown_value(index, c)) for c in range(sheet.width)]
        filled = [text for text in texts if text]
        if len(filled) >= 2 and fallback < 0:
            fallback = index
        matches = sum(1 for text in filled if is_known_title(split_marker(text)[0]))
        if matches > best_matches:
            best_index, best_matches = index, matches
    index = best_index if best_index >= 0 else max(fallback, 0)
    return read_header(sheet, index + 1, 2 if _has_second_row(sheet, index) else 1)


def _has_second_row(sheet: Sheet, index: int) -> bool:
    """Return whether row `index` has cells merged across columns over filled cells below."""
    below = index + 1
    if below >= len(sheet.rows):
        return False
    spans = [area for area in sheet.merged if area[0] == index == area[2] and area[3] > area[1]]
    if not spans:
        return False
    covered: set[int] = set()
    for area in spans:
        covered.update(range(area[1], area[3] + 1))
    under_spans = any(not is_empty(sheet.value(below, c)) for c in covered)
    for column in range(sheet.width):
        if column in covered or is_empty(sheet.value(below, column)):
            continue
        merged = sheet.merged_range(below, column)
        if merged is None or merged[0] > index:
            # A filled cell outside the spans that is not part of the header: a data row.
            return False
    return under_spans


def read_header(sheet: Sheet, row: int, rows: int) -> Header:
    """Read the column titles of a header starting at 1-based `row`, one or two rows high."""
    index = row - 1
    titles: list[str] = []
    required: list[bool] = []
    untitled: list[bool] = []
    for column in range(sheet.width):
        top = header_text(sheet.shown_value(index, column))
        parts = [top]
        if rows == 2:
            area = sheet.merged_range(index + 1, column)
            if area is None or area[0] > index:
                parts.append(header_text(sheet.shown_value(index + 1, column)))
        marked = False
        clean_parts = []
        for part in parts:
            text, has_marker = split_marker(part)
            marked = marked or has_marker
            if text and text not in clean_parts:
                clean_parts.append(text)
        title = " ".join(clean_parts)
        untitled.append(not title)
        if not title:
            title = _("Column %(letter)s") % {"letter": column_letter(column)}
        titles.append(title)
        required.append(marked)
    return Header(row, rows, _unique(titles), required, untitled)


def _unique(titles: Sequence[str]) -> list[str]:
    seen: dict[str, int] = {}
    result = []
    for title in titles:
        seen[title] = seen.get(title, 0) + 1
        result.append(title if seen[title] == 1 else f"{title} ({seen[title]})")
    return result
