import csv
import io
from pathlib import Path

import openpyxl

from kehu.conftest import Personas
from kehu.imports.models import ImportJob
from kehu.imports.rejected import rejected_csv, rejected_xlsx
from kehu.imports.tests.helpers import run, write_csv

FORMULA = '=HYPERLINK("http://127.0.0.1/x","点我")'


def _job_with_formula_row(personas: Personas, tmp_path: Path) -> ImportJob:
    path = write_csv(
        tmp_path / "bad.csv",
        [["客户名称", "手机", "备注"], ["苏州示例科技有限公司", "123", FORMULA]],
    )
    return run(personas.rep, path)


def test_rejected_csv_neutralises_formulas(personas: Personas, tmp_path: Path) -> None:
    job = _job_with_formula_row(personas, tmp_path)

    text = rejected_csv(job).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))

    assert rows[1][2] == "'" + FORMULA
    assert rows[1][0] == "苏州示例科技有限公司"


def test_rejected_xlsx_keeps_formula_text(personas: Personas, tmp_path: Path) -> None:
    job = _job_with_formula_row(personas, tmp_path)

    workbook = openpyxl.load_workbook(io.BytesIO(rejected_xlsx(job)))
    sheet = workbook.worksheets[0]
    cell = sheet.cell(row=2, column=3)

    assert cell.value == FORMULA
    assert cell.data_type == "s"
