import datetime as dt
from pathlib import Path

import pytest
import xlwt

from kehu.imports.mapping import known_title_test
from kehu.imports.models import ImportKind
from kehu.imports.readers import (
    ImportFileError,
    column_letter,
    decode_text,
    detect_header,
    open_book,
    read_header,
    sniff_delimiter,
)
from kehu.imports.tests.helpers import write_csv, write_xlsx

NAMES = [
    "杭州星星科技有限公司",
    "上海浦东发展贸易有限公司",
    "北京朝阳餐饮管理有限公司",
    "深圳南山电子商行",
]


@pytest.fixture(autouse=True)
def _database(db: None) -> None:
    """Title matching reads the custom fields."""


def known(title: str) -> bool:
    return known_title_test(ImportKind.CUSTOMERS)(title)


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gbk", "gb18030"), ("gb18030", "gb18030")],
)
def test_csv_encodings_decode_to_the_same_text(
    tmp_path: Path, encoding: str, expected: str
) -> None:
    rows = [["客户名称", "联系人", "手机"]] + [[name, "王芳", "13800138000"] for name in NAMES * 5]
    path = write_csv(tmp_path / "customers.csv", rows, encoding=encoding)

    text, detected = decode_text(path.read_bytes())

    assert detected == expected
    assert text.splitlines()[0] == "客户名称,联系人,手机"
    assert text.splitlines()[1] == "杭州星星科技有限公司,王芳,13800138000"


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_delimiter_is_sniffed(tmp_path: Path, delimiter: str) -> None:
    rows = [["客户名称", "备注", "手机"], ["甲公司", "a, b; c", "138"], ["乙公司", "", "139"]]
    path = write_csv(tmp_path / "customers.csv", rows, delimiter=delimiter)

    book = open_book(path, "customers.csv")
    sheet = book.sheet("")

    assert book.delimiter == delimiter
    assert sheet.rows[1] == ["甲公司", "a, b; c", "138"]


def test_sniffer_prefers_consistent_semicolons() -> None:
    text = 'Title ;Description ;Number\nTest 5 ;"with ,comma" ;1\n ; ;\n'

    assert sniff_delimiter(text) == ";"


def test_notes_row_above_header_is_skipped(tmp_path: Path) -> None:
    notes = "注意事项：1、表头标*的红色字体为必填项 2、日期时间推荐 2020-02-02 13:13:13"
    rows: list[list[object]] = [
        [notes, None, None],
        ["*客户名称", "*负责人", "手机"],
        ["甲公司", "李销售", "13800138000"],
    ]
    path = write_xlsx(tmp_path / "template.xlsx", rows, merges=["A1:C1"])

    sheet = open_book(path, "template.xlsx").sheet("")
    header = detect_header(sheet, known)

    assert header.row == 2
    assert header.rows == 1
    assert header.titles == ["客户名称", "负责人", "手机"]
    assert header.required == [True, True, False]
    assert header.first_data_row == 2


def test_two_row_merged_header_is_joined(tmp_path: Path) -> None:
    rows: list[list[object]] = [
        ["员工调薪表", None, None, None],
        ["姓名", "部门", "试用期基本工资", None],
        [None, None, "调整前", "调整后"],
        ["王芳", "销售部", 5000, 6000],
    ]
    path = write_xlsx(tmp_path / "salary.xlsx", rows, merges=["A1:D1", "A2:A3", "B2:B3", "C2:D2"])

    sheet = open_book(path, "salary.xlsx").sheet("")
    header = detect_header(sheet, known)

    assert header.row == 2
    assert header.rows == 2
    assert header.titles == ["姓名", "部门", "试用期基本工资 调整前", "试用期基本工资 调整后"]
    assert sheet.rows[header.first_data_row] == ["王芳", "销售部", 5000.0, 6000.0]


def test_single_row_merged_titles_repeat_with_numbers(tmp_path: Path) -> None:
    rows: list[list[object]] = [["客户名称", "电话", None], ["甲公司", "0571-1", "0571-2"]]
    path = write_xlsx(tmp_path / "phones.xlsx", rows, merges=["B1:C1"])

    header = read_header(open_book(path, "phones.xlsx").sheet(""), 1, 1)

    assert header.titles == ["客户名称", "电话", "电话 (2)"]


def test_untitled_columns_with_values_are_kept(tmp_path: Path) -> None:
    rows: list[list[object]] = [["a", "b"], [1, 2, 3, None, "x"]]
    path = write_xlsx(tmp_path / "trailing.xlsx", rows)

    sheet = open_book(path, "trailing.xlsx").sheet("")
    header = read_header(sheet, 1, 1)

    assert sheet.width == 5
    assert header.titles == ["a", "b", "Column C", "Column D", "Column E"]
    assert header.untitled == [False, False, True, True, True]
    assert sheet.rows[1] == [1.0, 2.0, 3.0, "", "x"]


def test_xlsx_cells_keep_their_types(tmp_path: Path) -> None:
    rows: list[list[object]] = [
        ["客户名称", "手机", "日期", "公式"],
        ["甲公司", 13800138000, dt.date(2024, 3, 5), "=1+1"],
        ["乙公司", "013800138000", 45356, None],
    ]
    path = write_xlsx(tmp_path / "types.xlsx", rows)

    sheet = open_book(path, "types.xlsx").sheet("")

    assert sheet.rows[1] == ["甲公司", 13800138000.0, dt.date(2024, 3, 5), ""]
    assert sheet.rows[2] == ["乙公司", "013800138000", 45356.0, ""]


def test_sheet_is_chosen_by_name(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "two.xlsx",
        [["name", "age"], ["Josh", 2]],
        extra_sheets={"宠物": [["pet", "breed"], ["dog", " golden retriever"]]},
    )

    book = open_book(path, "two.xlsx")

    assert [info.name for info in book.sheets] == ["Sheet1", "宠物"]
    assert book.sheet("宠物").rows == [["pet", "breed"], ["dog", " golden retriever"]]
    with pytest.raises(ImportFileError, match="no sheet named “Missing”"):
        book.sheet("Missing")


def test_xls_with_merged_notes_row(tmp_path: Path) -> None:
    workbook = xlwt.Workbook(encoding="utf-8")
    sheet = workbook.add_sheet("客户导入模板")
    sheet.write_merge(0, 0, 0, 2, "注意事项：表头标*的为必填项，手机号支持6-15位数字")
    for column, title in enumerate(["*客户名称", "手机", "下次联系时间"]):
        sheet.write(1, column, title)
    sheet.write(2, 0, "甲公司")
    sheet.write(2, 1, 13800138000)
    sheet.write(2, 2, 45356)
    path = tmp_path / "template.xls"
    workbook.save(str(path))

    book = open_book(path, "template.xls")
    read = book.sheet("")
    header = detect_header(read, known)

    assert book.file_type == "xls"
    assert header.row == 2
    assert header.titles == ["客户名称", "手机", "下次联系时间"]
    assert read.rows[2] == ["甲公司", 13800138000.0, 45356.0]


def test_unreadable_files_are_rejected_with_a_reason(tmp_path: Path) -> None:
    fake = tmp_path / "fake.xlsx"
    fake.write_text("not a workbook")
    pdf = tmp_path / "list.pdf"
    pdf.write_bytes(b"%PDF-1.4")

    with pytest.raises(ImportFileError, match="is not an Excel workbook"):
        open_book(fake, "fake.xlsx")
    with pytest.raises(ImportFileError, match=r"cannot be imported; use \.xlsx, \.xls or \.csv"):
        open_book(pdf, "list.pdf")


def test_column_letters() -> None:
    assert [column_letter(i) for i in (0, 25, 26, 51, 701, 702)] == [
        "A",
        "Z",
        "AA",
        "AZ",
        "ZZ",
        "AAA",
    ]
