"""Import every file of the shared cases that contains customers, contacts or companies.

Each test states the exact counts and the handling of the file's quirks as the cases' README
describes them.
"""

import csv
import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from django.core.files import File

from kehu.conftest import Personas
from kehu.customers.models import Contact, Customer, Tag
from kehu.fields.models import CustomField, FieldTarget, FieldType
from kehu.imports import services, tasks
from kehu.imports.models import ImportStatus, OnDuplicate
from kehu.imports.tests.helpers import check, counts, prepare, problems, run, write_csv
from tests.acceptance.conftest import cases_dir

pytestmark = pytest.mark.acceptance

if not cases_dir().is_dir():
    # One skip for the whole module, so the message appears once.
    pytest.skip(
        f"acceptance files not found in {cases_dir()} (set KEHU_CASES_DIR to their folder)",
        allow_module_level=True,
    )


def custom_field(key: str, label: str, field_type: str, label_en: str = "") -> None:
    CustomField.objects.create(
        target=FieldTarget.CUSTOMER, key=key, label=label, label_en=label_en, field_type=field_type
    )


def test_maven_accounts(personas: Personas, cases: Path) -> None:
    custom_field("sector", "行业（英文）", FieldType.TEXT)
    custom_field("revenue", "年收入（百万美元）", FieldType.MONEY)
    custom_field("employees", "员工人数", FieldType.NUMBER)
    custom_field("established", "成立年份", FieldType.NUMBER)
    custom_field("parent_company", "母公司", FieldType.TEXT)
    path = cases / "maven-crm-sales-opportunities" / "accounts.csv"
    targets = {
        "sector": "customer.cf_sector",
        "year_established": "customer.cf_established",
        "revenue": "customer.cf_revenue",
        "employees": "customer.cf_employees",
        "office_location": "",
        "subsidiary_of": "customer.cf_parent_company",
    }

    job = run(personas.manager, path, targets=targets, unassigned=True)

    assert counts(job) == {
        "created": 85,
        "updated": 0,
        "skipped": 0,
        "rejected": 0,
        "contacts_created": 0,
    }
    acme = Customer.objects.get(name="Acme Corporation")
    assert acme.custom == {
        "sector": "technolgy",
        "revenue": "1100.04",
        "employees": 2822,
        "established": 1996,
    }
    assert Customer.objects.exclude(custom__parent_company=None).count() == 15


def test_maven_sector_typos_are_rejected_not_guessed(personas: Personas, cases: Path) -> None:
    path = cases / "maven-crm-sales-opportunities" / "accounts.csv"
    targets = {"sector": "customer.industry", "employees": "", "office_location": "", "revenue": ""}

    job = check(personas.manager, prepare(personas.manager, path, targets=targets))

    assert counts(job) == {
        "created": 25,
        "updated": 0,
        "skipped": 0,
        "rejected": 60,
        "contacts_created": 0,
    }
    typos = [p for p in problems(job) if p[2] == "technolgy"]
    assert len(typos) == 12
    assert typos[0][:2] == (2, "sector")
    assert typos[0][3].startswith("“technolgy” is not one of the choices: IT and software、Finance")
    assert Customer.objects.count() == 0


def groundtruth_csv(cases: Path, folder: Path, encoding: str = "utf-8") -> Path:
    """Write the name and brand lines as a CSV with titles (derived from the cases' file)."""
    lines = (cases / "cn-company-names" / "companynameparser-groundtruth.txt").read_text("utf-8")
    rows = [["客户名称", "简称"]]
    for line in lines.splitlines():
        name, _space, brand = line.strip().partition(" ")
        rows.append([name, brand])
    return write_csv(folder / "groundtruth.csv", rows, encoding=encoding)


def test_company_names_with_brands(personas: Personas, cases: Path, tmp_path: Path) -> None:
    job = run(personas.rep, groundtruth_csv(cases, tmp_path))

    assert counts(job) == {
        "created": 500,
        "updated": 0,
        "skipped": 0,
        "rejected": 0,
        "contacts_created": 0,
    }
    assert Customer.objects.get(name="柳州国联运输集团有限公司").short_name == "国联"
    assert Customer.objects.get(name="湖北塑胶跑道工程公司").short_name == ""
    full_width = Customer.objects.get(name="澳妆（上海）国际贸易有限公司")
    assert full_width.name_key == "澳妆上海国际贸易"

    again = run(personas.rep, groundtruth_csv(cases, tmp_path))
    assert counts(again) == {
        "created": 0,
        "updated": 0,
        "skipped": 500,
        "rejected": 0,
        "contacts_created": 0,
    }


def test_company_names_as_gbk_csv(personas: Personas, cases: Path, tmp_path: Path) -> None:
    """A GBK CSV derived by transcoding the UTF-8 list of 121 names, branches included."""
    names = (cases / "cn-company-names" / "companynameparser-company_demo.txt").read_text("utf-8")
    rows = [["公司名称"]] + [[name.strip()] for name in names.splitlines() if name.strip()]
    path = write_csv(tmp_path / "demo-gbk.csv", rows, encoding="gbk")

    job = run(personas.rep, path)

    assert counts(job) == {
        "created": 121,
        "updated": 0,
        "skipped": 0,
        "rejected": 0,
        "contacts_created": 0,
    }
    assert Customer.objects.filter(name="常州途畅互联网科技有限公司合肥分公司").exists()


def test_name_generator_formula_cells_under_merged_titles(personas: Personas, cases: Path) -> None:
    path = cases / "cn-company-names" / "namemoe-org-name-generator-v1.0.xlsx"
    job = prepare(personas.rep, path, targets={"D2(2字)": "customer.name"})

    assert (job.sheet_name, job.header_row, job.header_rows) == ("萌名通用-字号", 1, 1)
    titles = [entry["title"] for entry in job.mapping]
    assert titles[6:11] == ["D2(2字)", "D2(2字) (2)", "D2(2字) (3)", "D3(3字)", "D3(3字) (2)"]
    job = check(personas.rep, job)
    stored = openpyxl.load_workbook(path, data_only=True)["萌名通用-字号"]
    cached = [str(stored.cell(row, 7).value) for row in range(3, 23)]
    assert len(cached) == 20
    assert all(len(name) == 2 for name in cached)
    distinct = len(set(cached))
    # Row 2 and rows 23 to 232 have no name in column G.
    assert (job.created, job.skipped, job.rejected, job.blank_rows) == (
        distinct,
        20 - distinct,
        0,
        211,
    )

    tasks.run(job.pk, services.claim_for_command(personas.rep, job))
    assert sorted(Customer.objects.values_list("name", flat=True)) == sorted(set(cached))
    assert not Customer.objects.filter(name__startswith="=").exists()


def test_example_file_people(personas: Personas, cases: Path) -> None:
    custom_field("lastname", "姓", FieldType.TEXT, "lastname")
    custom_field("years", "年限", FieldType.NUMBER, "years")
    custom_field("team", "团队", FieldType.TEXT, "team")
    path = cases / "spreadsheet-import-quirks" / "exampleFile.csv"
    # People who share a first name are different people: duplicates are created.
    targets = {
        "firstname": "customer.name",
        "manager": "contact.is_primary",
        "email": "contact.email",
    }
    rows = list(csv.DictReader(path.open(encoding="utf-8")))

    job = run(personas.rep, path, targets=targets, on_duplicate=OnDuplicate.CREATE)

    assert counts(job) == {
        "created": 996,
        "updated": 0,
        "skipped": 0,
        "rejected": 4,
        "contacts_created": 996,
    }
    pizza = next(index for index, row in enumerate(rows, start=2) if row["years"] == "I love pizza")
    assert problems(job) == [
        (pizza, "years", "I love pizza", "“I love pizza” is not a number."),
        (
            421,
            "email",
            "Zsa Zsa.Lipson@mailmail.com",
            "“Zsa Zsa.Lipson@mailmail.com” is not a valid email address.",
        ),
        (
            475,
            "email",
            "Zsa Zsa.Izaak@mailmail.com",
            "“Zsa Zsa.Izaak@mailmail.com” is not a valid email address.",
        ),
        (
            527,
            "email",
            "Zsa Zsa.Donoghue@mailmail.com",
            "“Zsa Zsa.Donoghue@mailmail.com” is not a valid email address.",
        ),
    ]
    assert Contact.objects.filter(email__contains="'").count() == 2
    teams = set(Customer.objects.values_list("custom__team", flat=True))
    assert {"Developers", "developer"} <= teams
    # The only "terminated" team is on the rejected row.
    assert "terminated" not in teams
    no_row = next(row for row in rows if row["manager"] == "NO")
    yes_row = next(row for row in rows if row["manager"] == "Yes")
    # NO and Yes read as booleans: the NO row is imported, the Yes row fails only on "years".
    assert Contact.objects.filter(email=no_row["email"].lower()).count() == 1
    assert yes_row["years"] == "I love pizza"


def test_trailing_cells_are_neither_shifted_nor_dropped(personas: Personas, cases: Path) -> None:
    custom_field("b", "b", FieldType.NUMBER)
    custom_field("v", "v", FieldType.NUMBER)
    custom_field("d", "第四列", FieldType.NUMBER)
    path = cases / "spreadsheet-import-quirks" / "TrailingCellsWorkbook.xlsx"

    job = check(
        personas.rep,
        prepare(personas.rep, path, targets={"a": "customer.name", "Column D": "customer.cf_d"}),
    )

    assert [entry["title"] for entry in job.mapping] == [
        "a",
        "b",
        "v",
        "Column D",
        "Column E",
        "Column F",
        "Column G",
    ]
    assert problems(job, warnings=True) == [
        (
            0,
            "Column G",
            "",
            "The column has no title but holds values in 1 rows; they are not imported unless "
            "you map the column to a field.",
        )
    ]
    tasks.run(job.pk, services.claim_for_command(personas.rep, job))
    assert list(Customer.objects.order_by("name").values_list("name", "custom")) == [
        ("1", {"b": 22, "v": 33, "d": 44}),
        ("2", {"b": 22, "v": 33, "d": 44}),
        ("3", {"b": 22, "v": 33, "d": 44}),
    ]


def test_workbook_sheet_is_a_choice(personas: Personas, cases: Path) -> None:
    path = cases / "spreadsheet-import-quirks" / "Workbook1.xlsx"

    first = run(personas.rep, path, targets={"age": ""})
    second = run(
        personas.rep,
        path,
        sheet="Sheet2",
        targets={"pet": "customer.name", "breed": "customer.notes"},
    )

    assert (first.sheet_name, first.created) == ("Sheet1", 3)
    assert (second.sheet_name, second.created) == ("Sheet2", 2)
    assert list(
        Customer.objects.filter(name__in=["cat", "dog"])
        .order_by("name")
        .values_list("notes", flat=True)
    ) == [
        "mixed",
        "golden retriever",
    ]


def test_workbook_date_cells(personas: Personas, cases: Path) -> None:
    path = cases / "spreadsheet-import-quirks" / "Workbook2.xlsx"

    job = run(personas.rep, path, targets={"age": "", "date": "customer.next_follow_up_on"})

    assert job.created == 3
    assert dict(Customer.objects.values_list("name", "next_follow_up_on")) == {
        "Josh": dt.date(2020, 3, 3),
        "Charlie": dt.date(2010, 4, 4),
        "Lena": dt.date(1994, 2, 27),
    }


US_ADDRESS = {"City": "", "State": "", "Country": "", "ZIP": ""}


def test_odoo_partners_with_related_company(personas: Personas, cases: Path) -> None:
    path = cases / "odoo-import-samples" / "res.partner.csv"
    targets = {
        **US_ADDRESS,
        "Company Type": "customer.kind",
        "Related Company": "customer.parent",
        "Phone": "contact.phone",
    }

    job = run(personas.rep, path, targets=targets)

    assert counts(job) == {
        "created": 2,
        "updated": 0,
        "skipped": 0,
        "rejected": 2,
        "contacts_created": 4,
    }
    assert problems(job) == [
        (3, "Mobile", "4157654321", "“4157654321” is not a valid mobile number."),
        (4, "Mobile", "4517864512", "“4517864512” is not a valid mobile number."),
    ]
    grocery = Customer.objects.get(name="Grocery Outlet")
    assert grocery.kind == "company"
    assert grocery.address == "51 Federal Street"
    assert list(grocery.contacts.values_list("name", "phone", "email")) == [
        ("Grocery Outlet", "123456789", ""),
        ("Warehouse", "415659874", "bill@odoo.com"),
        ("Accounting dep.", "123456780", ""),
    ]


def test_odoo_companies_then_contacts_by_name(personas: Personas, cases: Path) -> None:
    path = cases / "odoo-import-samples" / "o2m_customers_contacts.csv"

    job = run(personas.rep, path, targets={**US_ADDRESS, "Address type": ""})

    assert counts(job) == {
        "created": 4,
        "updated": 0,
        "skipped": 0,
        "rejected": 0,
        "contacts_created": 4,
    }
    assert dict(Customer.objects.values_list("name", "kind")) == {
        "Aurora Shelves": "company",
        "House Sales Direct": "company",
        "Michael Mason": "individual",
        "International Wood": "company",
    }
    assert list(Contact.objects.order_by("id").values_list("customer__name", "name")) == [
        ("Aurora Shelves", "Roger Martins"),
        ("House Sales Direct", "Yvan Holiday"),
        ("House Sales Direct", "Jack Unsworth"),
        ("International Wood", "Sharon Pecker"),
    ]


def test_odoo_several_tags_in_one_cell(personas: Personas, cases: Path) -> None:
    path = cases / "odoo-import-samples" / "m2m_customers_tags.csv"

    job = run(
        personas.rep, path, targets={"City": "", "Country": "", "Customer": "", "Reference": ""}
    )

    assert counts(job) == {
        "created": 5,
        "updated": 0,
        "skipped": 0,
        "rejected": 0,
        "contacts_created": 0,
    }
    assert sorted(Tag.objects.values_list("name", flat=True)) == [
        "Components Buyer",
        "Consultancy Services",
        "IT Services",
        "Manufacturer",
        "Retailer",
        "Services",
        "Wholesaler",
    ]
    national = Customer.objects.get(name="National Parts & Supplies")
    assert sorted(national.tags.values_list("name", flat=True)) == ["Manufacturer", "Wholesaler"]


FRAPPE_TARGETS = {
    "Title": "customer.name",
    "Description": "customer.notes",
    "Child Title (Table Field 1)": "contact.name",
}


def frappe_mapping(job_titles: list[str]) -> dict[str, str]:
    return {title: FRAPPE_TARGETS.get(title, "") for title in job_titles}


@pytest.mark.parametrize(
    ("name", "expected", "contacts"),
    [
        (
            "sample_import_file.csv",
            {"created": 3, "updated": 0, "skipped": 0, "rejected": 0, "contacts_created": 4},
            {
                "Test": ["child title", "child title 2"],
                "Test 2": ["child mandatory title"],
                "Test 3": ["child title asdf"],
            },
        ),
        (
            "sample_import_file_semicolon.csv",
            {"created": 2, "updated": 0, "skipped": 0, "rejected": 1, "contacts_created": 2},
            {"Test 5": ["child title 2"], "Test 4": ["child title asdf"]},
        ),
    ],
)
def test_frappe_child_rows_follow_their_parent(
    personas: Personas,
    cases: Path,
    name: str,
    expected: dict[str, int],
    contacts: dict[str, list[str]],
) -> None:
    path = cases / "frappe-import-samples" / name
    with path.open("rb") as handle:
        uploaded = services.create_import(personas.rep, File(handle), path.name)
    titles = [str(entry["title"]) for entry in uploaded.mapping]
    uploaded.delete()

    job = run(personas.rep, path, targets=frappe_mapping(titles))

    assert titles[0] == "Title"
    assert counts(job) == expected
    found = {
        c.name: list(c.contacts.values_list("name", flat=True)) for c in Customer.objects.all()
    }
    assert found == contacts
    if job.rejected:
        assert problems(job) == [(4, "Title", "", "The customer name is required.")]
    assert job.status == ImportStatus.DONE
