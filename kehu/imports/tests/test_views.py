import csv
import io
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from kehu.conftest import Personas
from kehu.customers.models import Customer
from kehu.imports import tasks
from kehu.imports.models import ImportJob, ImportStatus
from kehu.imports.tests.helpers import check, prepare, run, write_xlsx
from kehu.org.models import User


def xlsx_upload(tmp_path: Path) -> SimpleUploadedFile:
    path = write_xlsx(
        tmp_path / "客户.xlsx",
        [
            ["注意：带*为必填", None, None],
            ["*客户名称", "联系人", "手机"],
            ["杭州星星科技有限公司", "王芳", 13800138000],
            ["宁波月亮贸易有限公司", "韩梅梅", "1350013500"],
        ],
        merges=["A1:C1"],
    )
    return SimpleUploadedFile("客户.xlsx", path.read_bytes())


def signed_in(client: Client, user: object) -> Client:
    """Sign in and ask for English pages, so the messages read the same as in the other tests."""
    client.force_login(user)  # type: ignore[arg-type]
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def test_wizard_from_upload_to_undo(
    client: Client, personas: Personas, tmp_path: Path, django_capture_on_commit_callbacks: object
) -> None:
    signed_in(client, personas.rep)

    response = client.post(
        reverse("web:import_start"), {"file": xlsx_upload(tmp_path), "kind": "customers"}
    )
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("web:import_sheet", args=[job.public_id])
    assert (job.header_row, job.sheet_name) == (2, "Sheet1")

    page = client.get(reverse("web:import_sheet", args=[job.public_id]))
    assert page.status_code == 200
    assert "注意：带*为必填" in page.content.decode()
    response = client.post(
        reverse("web:import_sheet", args=[job.public_id]),
        {"sheet_name": "Sheet1", "header_row": "2", "header_rows": "1"},
    )
    assert response["Location"] == reverse("web:import_mapping", args=[job.public_id])

    page = client.get(reverse("web:import_mapping", args=[job.public_id]))
    assert page.status_code == 200
    assert '<option value="customer.name" selected>' in page.content.decode()
    form = {
        "column_0": "customer.name",
        "column_1": "contact.name",
        "column_2": "contact.mobile",
        "owner": str(personas.rep.public_id),
        "on_duplicate": "skip",
        "action": "check",
    }
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        response = client.post(reverse("web:import_mapping", args=[job.public_id]), form)
    assert response["Location"] == job.get_absolute_url()
    job.refresh_from_db()
    assert job.status == ImportStatus.CHECKING

    progress = client.get(
        reverse("web:import_progress", args=[job.public_id]), headers={"HX-Request": "true"}
    )
    assert 'hx-trigger="every 1s"' in progress.content.decode()
    tasks.check_import.call(job.pk)
    progress = client.get(
        reverse("web:import_progress", args=[job.public_id]), headers={"HX-Request": "true"}
    )
    assert progress["HX-Refresh"] == "true"

    report = client.get(job.get_absolute_url())
    assert "“1350013500” is not a valid mobile number." in report.content.decode()
    assert Customer.objects.count() == 0

    with django_capture_on_commit_callbacks(execute=False) as callbacks:  # type: ignore[operator]
        response = client.post(reverse("web:import_commit", args=[job.public_id]))
    assert response.status_code == 302
    job.refresh_from_db()
    tasks.run(job.pk, job.worker_token)
    assert len(callbacks) == 1
    assert Customer.objects.count() == 1

    download = client.get(reverse("web:import_rejected", args=[job.public_id]))
    workbook = openpyxl.load_workbook(io.BytesIO(download.content))
    sheet = workbook.active
    assert sheet is not None
    assert [list(row) for row in sheet.iter_rows(values_only=True)] == [
        ["客户名称", "联系人", "手机", "Row", "Reason"],
        [
            "宁波月亮贸易有限公司",
            "韩梅梅",
            "1350013500",
            4,
            "手机 “1350013500”: “1350013500” is not a valid mobile number.",
        ],
    ]
    csv_download = client.get(reverse("web:import_rejected", args=[job.public_id]) + "?format=csv")
    text = csv_download.content.decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text)))[1] == [
        "宁波月亮贸易有限公司",
        "韩梅梅",
        "1350013500",
        "4",
        "手机 “1350013500”: “1350013500” is not a valid mobile number.",
    ]

    response = client.post(reverse("web:import_undo", args=[job.public_id]))
    assert response.status_code == 302
    assert Customer.objects.count() == 0


def test_other_users_get_404(client: Client, personas: Personas, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "a.xlsx", [["客户名称"], ["杭州星星科技有限公司"]])
    job = run(personas.rep, path)
    before = list(Customer.objects.values_list("pk", "version"))
    signed_in(client, personas.rep2)

    for name in (
        "import_detail",
        "import_sheet",
        "import_mapping",
        "import_progress",
        "import_rejected",
    ):
        assert client.get(reverse(f"web:{name}", args=[job.public_id])).status_code == 404
    for name in ("import_commit", "import_resume", "import_undo", "import_discard"):
        assert client.post(reverse(f"web:{name}", args=[job.public_id])).status_code == 404

    assert list(Customer.objects.values_list("pk", "version")) == before
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE


def test_boss_sees_every_import(client: Client, personas: Personas, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "a.xlsx", [["客户名称"], ["杭州星星科技有限公司"]])
    job = check(personas.rep, prepare(personas.rep, path))
    signed_in(client, personas.boss)

    assert client.get(job.get_absolute_url()).status_code == 200


def test_agent_is_refused(client: Client, personas: Personas, tmp_path: Path) -> None:
    signed_in(client, personas.agent)

    assert client.get(reverse("web:import_start")).status_code == 403
    response = client.post(reverse("web:import_start"), {"file": xlsx_upload(tmp_path)})
    assert response.status_code == 403
    assert ImportJob.objects.count() == 0


def test_bad_upload_is_explained(client: Client, personas: Personas) -> None:
    signed_in(client, personas.rep)

    response = client.post(
        reverse("web:import_start"), {"file": SimpleUploadedFile("list.pdf", b"%PDF-1.4")}
    )

    assert response.status_code == 400
    assert (
        "Files of type “.pdf” cannot be imported; use .xlsx, .xls or .csv."
        in response.content.decode()
    )
    assert ImportJob.objects.count() == 0


@pytest.mark.parametrize("language", ["zh-hans"])
def test_problems_are_written_in_the_uploaders_language(
    client: Client, personas: Personas, tmp_path: Path, language: str
) -> None:
    from django.utils import translation

    path = write_xlsx(tmp_path / "a.xlsx", [["客户名称", "手机"], ["杭州星星科技有限公司", "123"]])
    with translation.override(language):
        job = check(personas.rep, prepare(personas.rep, path))

    assert list(job.problems.values_list("message", flat=True)) == ["“123”不是有效的手机号。"]


def test_pages_render_in_chinese(client: Client, personas: Personas, tmp_path: Path) -> None:
    client.force_login(personas.rep)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    path = write_xlsx(tmp_path / "a.xlsx", [["客户名称", "手机"], ["杭州星星科技有限公司", "123"]])
    job = check(personas.rep, prepare(personas.rep, path))

    start = client.get(reverse("web:import_start")).content.decode()
    mapping = client.get(reverse("web:import_mapping", args=[job.public_id])).content.decode()
    detail = client.get(job.get_absolute_url()).content.decode()

    assert "从表格导入" in start
    assert "3. 对应列与字段" in mapping
    assert "（忽略此列）" in mapping
    assert "4. 检查报告" in detail
    assert "下载被拒绝的行（xlsx）" in detail


def test_refused_undo_explains_why(client: Client, personas: Personas, tmp_path: Path) -> None:
    from kehu.customers import services as customer_services

    path = write_xlsx(tmp_path / "a.xlsx", [["客户名称"], ["杭州星星科技有限公司"]])
    job = run(personas.rep, path)
    customer_services.update_customer(personas.rep, Customer.objects.get(), {"grade": "A"})
    signed_in(client, personas.rep)

    response = client.post(reverse("web:import_undo", args=[job.public_id]))

    assert response.status_code == 409
    assert "row 2: customer “杭州星星科技有限公司”" in response.content.decode()
    assert Customer.objects.count() == 1
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE


def test_mapping_owner_answer_reveals_no_user(
    client: Client, personas: Personas, tmp_path: Path
) -> None:
    """A rep naming any owner but themselves gets one response, for every kind of user id."""
    deactivated = User.objects.create_user("gone", display_name="离职销售", is_active=False)
    signed_in(client, personas.rep)
    client.post(reverse("web:import_start"), {"file": xlsx_upload(tmp_path), "kind": "customers"})
    job = ImportJob.objects.get()
    client.post(
        reverse("web:import_sheet", args=[job.public_id]),
        {"sheet_name": "Sheet1", "header_row": "2", "header_rows": "1"},
    )
    answers = set()
    for owner in (personas.rep2, personas.agent, personas.boss, deactivated):
        form = {
            "column_0": "customer.name",
            "column_1": "contact.name",
            "column_2": "contact.mobile",
            "owner": str(owner.public_id),
            "on_duplicate": "skip",
            "action": "check",
        }
        response = client.post(reverse("web:import_mapping", args=[job.public_id]), form)
        page = response.content.decode()
        answers.add((response.status_code, "Choose the owner of the imported customers." in page))
    unknown = client.post(
        reverse("web:import_mapping", args=[job.public_id]),
        {**form, "owner": "00000000-0000-4000-8000-000000000000"},
    )

    assert answers == {(400, True)}
    assert unknown.status_code == 400
    job.refresh_from_db()
    assert job.status == ImportStatus.UPLOADED
