"""Imports obey the importing role's field policy and capabilities, on every channel."""

import io
from collections.abc import Mapping
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from kehu.conftest import Personas
from kehu.customers import services as customer_services
from kehu.customers.models import Contact, Customer
from kehu.fields import services as field_services
from kehu.fields.models import FieldTarget
from kehu.imports import mapping, services
from kehu.imports.models import ImportJob, ImportKind, ImportStatus, OnDuplicate
from kehu.imports.tests.helpers import check, prepare, run, write_xlsx
from kehu.org.models import Capability, DataScope, FieldAccess, Role, User
from kehu.org.policy import policy_for
from kehu.timeline.models import FollowUp

C = Capability
CREDIT_CODE = "91330106MA27XY123U"
RESTRICTED_POLICY = {
    "customer.grade": FieldAccess.READ_ONLY,
    "customer.credit_code": FieldAccess.HIDDEN,
    "customer.next_follow_up_on": FieldAccess.HIDDEN,
    "customer.cf_memo": FieldAccess.HIDDEN,
    "customer.cf_budget": FieldAccess.MASKED,
    "contact.email": FieldAccess.MASKED,
    "contact.name": FieldAccess.MASKED,
}
FORBIDDEN = [
    "customer.grade",
    "customer.credit_code",
    "customer.next_follow_up_on",
    "customer.cf_memo",
    "customer.cf_budget",
    "contact.email",
    "contact.name",
]
TITLES = [
    "客户名称",
    "客户级别",
    "统一社会信用代码",
    "下次跟进日期",
    "备忘",
    "预算",
    "邮箱",
    "手机",
]
ROW = ["杭州星星科技有限公司", "A", CREDIT_CODE, "2030-01-02", "老客户", 50000, "a@b.cn", ""]


@pytest.fixture
def custom_fields(personas: Personas) -> None:
    for key, field_type, label in (("memo", "text", "备忘"), ("budget", "money", "预算")):
        field_services.create_custom_field(
            personas.boss,
            FieldTarget.CUSTOMER,
            {"key": key, "field_type": field_type, "label": label},
        )


def user_with(name: str, capabilities: list[str], policy: Mapping[str, str] | None = None) -> User:
    role = Role.objects.create(
        name=name,
        data_scope=DataScope.OWN,
        capabilities=capabilities,
        field_policy=dict(policy or {}),
    )
    return User.objects.create_user(username=name, password="test-pass-123", role=role)


@pytest.fixture
def limited(personas: Personas, custom_fields: None) -> User:
    """A rep-like importer whose role hides, masks and locks the fields of RESTRICTED_POLICY."""
    return user_with("limited", [C.CREATE, C.EDIT, C.FOLLOW_UP, C.IMPORT], RESTRICTED_POLICY)


@pytest.fixture
def sheet(tmp_path: Path) -> Path:
    return write_xlsx(tmp_path / "客户.xlsx", [TITLES, ROW])


def target_keys(kind: str, user: User) -> set[str]:
    return {target.key for target in mapping.targets_for(kind, policy_for(user))}


def test_targets_leave_out_fields_role_may_not_write(personas: Personas, limited: User) -> None:
    customers = target_keys(ImportKind.CUSTOMERS, limited)
    follow_ups = target_keys(ImportKind.FOLLOW_UPS, limited)

    for key in FORBIDDEN:
        assert key not in customers
    assert {"customer.name", "customer.address", "contact.mobile"} <= customers
    assert "follow_up.next_follow_up_on" not in follow_ups
    assert "follow_up.content" in follow_ups
    assert set(FORBIDDEN) <= target_keys(ImportKind.CUSTOMERS, personas.boss)
    assert "follow_up.next_follow_up_on" in target_keys(ImportKind.FOLLOW_UPS, personas.boss)


def test_suggestion_ignores_non_writable_titles(
    personas: Personas, limited: User, sheet: Path
) -> None:
    job = prepare(limited, sheet)

    assert [entry["target"] for entry in job.mapping] == [
        "customer.name",
        "",
        "",
        "",
        "",
        "",
        "",
        "contact.mobile",
    ]
    boss_job = prepare(personas.boss, sheet)
    assert [entry["target"] for entry in boss_job.mapping] == [
        "customer.name",
        "customer.grade",
        "customer.credit_code",
        "customer.next_follow_up_on",
        "customer.cf_memo",
        "customer.cf_budget",
        "contact.email",
        "contact.mobile",
    ]


def test_import_writes_only_writable_columns(limited: User, sheet: Path) -> None:
    job = run(limited, sheet)

    assert job.created == 1
    customer = Customer.objects.get()
    assert (customer.grade, customer.credit_code, customer.next_follow_up_on) == ("", "", None)
    assert customer.custom == {}
    assert Contact.objects.count() == 0


@pytest.mark.parametrize("target", [*FORBIDDEN[:6], "customer.no_such_field"])
def test_non_writable_target_rejected_like_unknown(limited: User, sheet: Path, target: str) -> None:
    job = prepare(limited, sheet)
    # The first six forbidden targets have their columns in order after the name column.
    column = 4 if target == "customer.no_such_field" else FORBIDDEN.index(target) + 1
    targets = [str(entry["target"]) for entry in job.mapping]
    targets[column] = target

    with pytest.raises(ValidationError) as raised:
        services.set_mapping(limited, job, targets, owner=limited)

    assert raised.value.message_dict == {
        "mapping": [f"Column “{TITLES[column]}”: “{target}” is not a field you can import into."]
    }
    job.refresh_from_db()
    assert job.mapping[column]["target"] == ""


def test_update_of_duplicates_keeps_read_only_values(limited: User, tmp_path: Path) -> None:
    stored = customer_services.create_customer(
        limited, {"name": "杭州星星科技有限公司"}, owner=limited
    )
    Customer.objects.filter(pk=stored.pk).update(grade="B", credit_code=CREDIT_CODE)
    path = write_xlsx(
        tmp_path / "更新.xlsx",
        [
            ["客户名称", "客户级别", "统一社会信用代码", "地址"],
            ["杭州星星科技有限公司", "A", "X", "文三路"],
        ],
    )
    job = prepare(limited, path, on_duplicate=OnDuplicate.UPDATE)
    targets = [str(entry["target"]) for entry in job.mapping]

    with pytest.raises(ValidationError):
        services.set_mapping(
            limited,
            job,
            ["customer.name", "customer.grade", "", "customer.address"],
            owner=limited,
            on_duplicate=OnDuplicate.UPDATE,
        )
    done = run(limited, path, on_duplicate=OnDuplicate.UPDATE)

    assert targets == ["customer.name", "", "", "customer.address"]
    assert done.updated == 1
    stored.refresh_from_db()
    assert (stored.grade, stored.credit_code, stored.address) == ("B", CREDIT_CODE, "文三路")


def test_contacts_refused_when_name_is_masked(
    personas: Personas, limited: User, tmp_path: Path
) -> None:
    customer_services.create_customer(limited, {"name": "杭州星星科技有限公司"}, owner=limited)
    path = write_xlsx(
        tmp_path / "联系人.xlsx",
        [
            ["所属客户", "联系人", "邮箱", "手机"],
            ["杭州星星科技有限公司", "王芳", "a@b.cn", "13800138000"],
        ],
    )

    with pytest.raises(ValidationError) as raised:
        prepare(limited, path, kind=ImportKind.CONTACTS)

    assert raised.value.message_dict == {
        "mapping": ["Your role may not write a field this kind of import needs."]
    }
    assert Contact.objects.count() == 0


def test_contacts_leave_masked_email_out(personas: Personas, tmp_path: Path) -> None:
    importer = user_with("email_masked", [C.EDIT, C.IMPORT], {"contact.email": FieldAccess.MASKED})
    customer_services.create_customer(
        personas.boss, {"name": "杭州星星科技有限公司"}, owner=importer
    )
    path = write_xlsx(
        tmp_path / "联系人.xlsx",
        [["所属客户", "联系人", "邮箱"], ["杭州星星科技有限公司", "王芳", "a@b.cn"]],
    )

    job = run(importer, path, kind=ImportKind.CONTACTS)

    assert [entry["target"] for entry in job.mapping] == ["customer.name", "contact.name", ""]
    assert list(Contact.objects.values_list("name", "email")) == [("王芳", "")]


def test_commit_rechecks_changed_field_policy(personas: Personas, sheet: Path) -> None:
    importer = user_with("changing", [C.CREATE, C.IMPORT])
    job = check(importer, prepare(importer, sheet))
    assert job.status == ImportStatus.CHECKED
    role = importer.role
    assert role is not None
    role.field_policy = {"customer.credit_code": FieldAccess.HIDDEN}
    role.save()
    importer.refresh_from_db()

    with pytest.raises(ValidationError) as raised:
        services.claim_for_command(importer, job)
    with pytest.raises(ValidationError):
        services.start_commit(importer, job)

    assert raised.value.message_dict == {
        "mapping": [
            "Column “统一社会信用代码”: “customer.credit_code” is not a field you can import into."
        ]
    }
    job.refresh_from_db()
    assert job.status == ImportStatus.CHECKED
    assert Customer.objects.count() == 0


def test_commit_rechecks_changed_capabilities(personas: Personas, sheet: Path) -> None:
    importer = user_with("losing_create", [C.CREATE, C.IMPORT])
    job = check(importer, prepare(importer, sheet))
    role = importer.role
    assert role is not None
    role.capabilities = [C.IMPORT]
    role.save()
    importer.refresh_from_db()

    with pytest.raises(PermissionDenied, match="may not create customers"):
        services.claim_for_command(importer, job)
    with pytest.raises(PermissionDenied):
        services.start_commit(importer, job)
    with pytest.raises(PermissionDenied):
        services.check_now(importer, job)

    job.refresh_from_db()
    assert job.status == ImportStatus.CHECKED
    assert Customer.objects.count() == 0


@pytest.mark.parametrize(
    ("capabilities", "kind", "message"),
    [
        ([C.IMPORT], ImportKind.CUSTOMERS, "Your role may not create customers"),
        ([C.IMPORT, C.CREATE, C.FOLLOW_UP], ImportKind.CONTACTS, "may not import contacts"),
        ([C.IMPORT, C.CREATE, C.EDIT], ImportKind.FOLLOW_UPS, "may not import follow-up history"),
    ],
)
def test_capability_needed_for_each_kind(
    personas: Personas, sheet: Path, capabilities: list[str], kind: str, message: str
) -> None:
    importer = user_with("partial", capabilities)

    with pytest.raises(PermissionDenied, match=message):
        prepare(importer, sheet, kind=kind)

    assert ImportJob.objects.count() == 0
    assert kind not in services.importable_kinds(importer)


def test_update_of_duplicates_needs_edit(personas: Personas, sheet: Path) -> None:
    importer = user_with("no_edit", [C.CREATE, C.IMPORT])
    job = prepare(importer, sheet)

    with pytest.raises(PermissionDenied, match="may not update duplicates"):
        services.set_mapping(
            importer,
            job,
            [str(entry["target"]) for entry in job.mapping],
            owner=importer,
            on_duplicate=OnDuplicate.UPDATE,
        )

    job.refresh_from_db()
    assert job.on_duplicate == OnDuplicate.SKIP
    assert services.duplicate_choices(importer, ImportKind.CUSTOMERS) == ["skip", "create"]


def test_template_drops_non_writable_targets(
    personas: Personas, limited: User, sheet: Path
) -> None:
    boss_job = prepare(personas.boss, sheet)
    template = services.save_template(personas.boss, boss_job, "全部字段")
    job = prepare(limited, sheet)

    applied = services.apply_template(limited, job, template)

    assert [entry["target"] for entry in applied.mapping] == [
        "customer.name",
        "",
        "",
        "",
        "",
        "",
        "",
        "contact.mobile",
    ]
    boss_job.mapping[2]["target"] = "customer.credit_code"
    limited_view = ImportJob.objects.get(pk=job.pk)
    limited_view.mapping = boss_job.mapping
    limited_view.save()
    with pytest.raises(ValidationError, match="is not a field you can import into"):
        services.save_template(limited, limited_view, "偷看")


def test_follow_up_next_date_hidden_with_customer_field(
    personas: Personas, limited: User, tmp_path: Path
) -> None:
    customer_services.create_customer(limited, {"name": "杭州星星科技有限公司"}, owner=limited)
    path = write_xlsx(
        tmp_path / "跟进.xlsx",
        [
            ["客户名称", "跟进方式", "跟进时间", "跟进内容", "下次跟进时间"],
            ["杭州星星科技有限公司", "电话", "2024-03-01 10:00", "报价", "2030-01-02"],
        ],
    )
    job = prepare(limited, path, kind=ImportKind.FOLLOW_UPS)
    targets = [str(entry["target"]) for entry in job.mapping]

    with pytest.raises(ValidationError, match=r"“follow_up\.next_follow_up_on” is not a field"):
        services.set_mapping(
            limited, job, [*targets[:4], "follow_up.next_follow_up_on"], owner=limited
        )

    assert targets[4] == ""
    run(limited, path, kind=ImportKind.FOLLOW_UPS)
    assert FollowUp.objects.count() == 1
    assert Customer.objects.get().next_follow_up_on is None


def signed_in(client: Client, user: User) -> Client:
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def test_mapping_page_lists_no_hidden_fields(
    client: Client, personas: Personas, limited: User, sheet: Path
) -> None:
    job = prepare(limited, sheet)
    signed_in(client, limited)

    page = client.get(reverse("web:import_mapping", args=[job.public_id])).content.decode()

    assert 'value="customer.name"' in page
    for key in FORBIDDEN:
        assert f'value="{key}"' not in page
    assert 'value="update"' in page


def test_mapping_post_with_hidden_target_changes_nothing(
    client: Client, personas: Personas, limited: User, sheet: Path
) -> None:
    job = prepare(limited, sheet)
    signed_in(client, limited)
    form = {f"column_{index}": str(entry["target"]) for index, entry in enumerate(job.mapping)}
    form.update({"column_2": "customer.credit_code", "on_duplicate": "skip", "action": "check"})

    response = client.post(reverse("web:import_mapping", args=[job.public_id]), form)

    assert response.status_code == 400
    assert (
        "Column “统一社会信用代码”: “customer.credit_code” is not a field you can import into."
        in response.content.decode()
    )
    job.refresh_from_db()
    assert job.status == ImportStatus.UPLOADED
    assert job.mapping[2]["target"] == ""


def test_wizard_refuses_import_without_create(
    client: Client, personas: Personas, sheet: Path
) -> None:
    importer = user_with("import_only", [C.IMPORT])
    signed_in(client, importer)

    page = client.get(reverse("web:import_start"))
    upload = SimpleUploadedFile("客户.xlsx", sheet.read_bytes())
    response = client.post(reverse("web:import_start"), {"file": upload, "kind": "customers"})

    assert 'value="customers"' not in page.content.decode()
    assert response.status_code == 403
    assert "Your role may not create customers" in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_wizard_commit_refused_after_role_change(
    client: Client, personas: Personas, sheet: Path
) -> None:
    importer = user_with("wizard_changing", [C.CREATE, C.IMPORT])
    job = check(importer, prepare(importer, sheet))
    role = importer.role
    assert role is not None
    role.capabilities = [C.IMPORT]
    role.save()
    signed_in(client, importer)

    response = client.post(reverse("web:import_commit", args=[job.public_id]))

    assert response.status_code == 403
    assert "Your role may not create customers" in response.content.decode()
    job.refresh_from_db()
    assert job.status == ImportStatus.CHECKED
    assert Customer.objects.count() == 0


def test_wizard_message_in_chinese(client: Client, personas: Personas, sheet: Path) -> None:
    importer = user_with("import_only_zh", [C.IMPORT])
    client.force_login(importer)
    upload = SimpleUploadedFile("客户.xlsx", sheet.read_bytes())

    response = client.post(
        reverse("web:import_start"),
        {"file": upload, "kind": "customers"},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )

    assert response.status_code == 403
    assert "您的角色不能新建客户，因此不能导入客户。" in response.content.decode()


def call(*args: str) -> str:
    output = io.StringIO()
    call_command("import_customers", *args, stdout=output)
    return output.getvalue()


def test_command_rejects_map_to_hidden_field(limited: User, sheet: Path) -> None:
    with pytest.raises(CommandError) as raised:
        call(str(sheet), "--as", "limited", "--map", "统一社会信用代码=customer.credit_code")

    assert str(raised.value) == (
        "Column “统一社会信用代码”: “customer.credit_code” is not a field you can import into."
    )
    assert ImportJob.objects.count() == 0
    assert Customer.objects.count() == 0


def test_command_rejects_template_with_hidden_field(
    personas: Personas, limited: User, sheet: Path
) -> None:
    services.save_template(personas.boss, prepare(personas.boss, sheet), "全部字段")
    ImportJob.objects.all().delete()

    with pytest.raises(CommandError, match=r"“customer\.credit_code” is not a field"):
        call(str(sheet), "--as", "limited", "--template", "全部字段")

    assert ImportJob.objects.count() == 0
    assert Customer.objects.count() == 0


def test_command_refuses_import_without_create(personas: Personas, sheet: Path) -> None:
    user_with("cli_import_only", [C.IMPORT])

    with pytest.raises(CommandError, match="Your role may not create customers"):
        call(str(sheet), "--as", "cli_import_only")

    assert ImportJob.objects.count() == 0
    assert Customer.objects.count() == 0


def test_command_refuses_update_without_edit(personas: Personas, sheet: Path) -> None:
    user_with("cli_no_edit", [C.CREATE, C.IMPORT])

    with pytest.raises(CommandError, match="may not update duplicates"):
        call(str(sheet), "--as", "cli_no_edit", "--on-duplicate", "update")

    assert ImportJob.objects.count() == 0
    assert Customer.objects.count() == 0
