"""Importing historical contracts: customers, numbers, money, approval by role, timeline, undo."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from kehu.conftest import Personas
from kehu.customers.choices import CustomerStatus
from kehu.customers.models import Customer
from kehu.imports import mapping, services, tasks
from kehu.imports.models import ImportKind, OnDuplicate
from kehu.imports.tests.helpers import check, counts, prepare, problems, run, write_xlsx
from kehu.imports.undo import undo_import
from kehu.org.models import FieldAccess, User
from kehu.org.policy import policy_for
from kehu.sales import contracts as contract_services
from kehu.sales import payments
from kehu.sales import services as sales_services
from kehu.sales.models import Contract, ContractStatus, ContractVersion, Receipt
from kehu.timeline.models import Event, EventKind

HEADER: list[object] = [
    "合同编号", "客户名称", "统一社会信用代码", "合同金额", "开始日期", "签订日期", "已回款",
    "回款日期",
]  # fmt: skip


def _timeline(customer: Customer) -> list[tuple[str, dt.date]]:
    kinds = [EventKind.CONTRACT_CREATED, EventKind.PAYMENT_RECEIVED]
    rows = Event.objects.filter(customer=customer, kind__in=kinds)
    return sorted((e.kind, timezone.localtime(e.occurred_at).date()) for e in rows)


def test_contracts_link_customers_and_count_alike(
    personas: Personas, customers: dict[str, Customer], tmp_path: Path
) -> None:
    kept = contract_services.create_contract(
        personas.manager,
        customers["moon"],
        {"title": "旧合同", "amount": "1", "start_on": "2023-01-01"},
    )
    rows: list[list[object]] = [
        HEADER,
        ["A-001", "", "91330100799655058B", "120,000.50", "2024-01-01", "2024-01-05", "60000.25",
         "2024-02-01"],
        ["A-002", "宁波月亮贸易有限公司", "", "5000", "2024-03-01", "", "", ""],
        ["A-003", "广州南方实业有限公司", "", "1", "2024-03-01", "", "", ""],
        ["A-004", "没有这家公司", "", "1", "2024-03-01", "", "", ""],
        ["A-001", "杭州星星科技有限公司", "", "1", "2024-03-01", "", "", ""],
        ["A-005", "杭州星星科技有限公司", "", "100000", "2024-03-01", "2024-03-01", "100000.01",
         "2024-03-02"],
        ["A-006", "杭州星星科技有限公司", "", "1.005", "2024-03-01", "", "", ""],
        [kept.number, "宁波月亮贸易有限公司", "", "1", "2024-03-01", "", "", ""],
        ["A-007", "杭州星星科技有限公司", "", "10", "2024-03-01", "2024-03-01", "5", ""],
    ]  # fmt: skip
    job = prepare(personas.manager, write_xlsx(tmp_path / "contracts.xlsx", rows),
                  kind=ImportKind.CONTRACTS)  # fmt: skip
    assert [entry["target"] for entry in job.mapping] == [
        "contract.number",
        "customer.name",
        "customer.credit_code",
        "contract.amount",
        "contract.start_on",
        "contract.signed_on",
        "payment.received",
        "payment.received_on",
    ]

    checked = check(personas.manager, job)
    expected = {"created": 2, "updated": 0, "skipped": 2, "rejected": 5, "contacts_created": 0}
    assert counts(checked) == expected
    assert Contract.objects.count() == 1
    token = services.claim_for_command(personas.manager, checked)
    tasks.run(checked.pk, token)
    checked.refresh_from_db()
    assert counts(checked) == expected

    signed = Contract.objects.get(number="A-001")
    assert (signed.customer, signed.title, signed.amount, signed.status, signed.signed_on) == (
        customers["star"],
        "A-001",
        Decimal("120000.50"),
        ContractStatus.SIGNED,
        dt.date(2024, 1, 5),
    )
    assert (signed.owner, signed.decided_by) == (personas.manager, personas.manager)
    assert list(signed.receipts.values_list("amount", "received_on")) == [
        (Decimal("60000.25"), dt.date(2024, 2, 1))
    ]
    assert payments.collection(signed).outstanding == Decimal("60000.25")
    assert list(signed.versions.values_list("number", "amount")) == [(1, Decimal("120000.50"))]
    draft = Contract.objects.get(number="A-002")
    assert (draft.status, draft.signed_on, draft.amount) == (
        ContractStatus.DRAFT,
        None,
        Decimal("5000.00"),
    )

    assert problems(checked) == [
        (4, "客户名称", "广州南方实业有限公司",
         "No customer named “广州南方实业有限公司” is among those you may change."),
        (5, "客户名称", "没有这家公司",
         "No customer named “没有这家公司” is among those you may change."),
        (7, "已回款", "100000.01",
         "The amount received 100000.01 is more than the contract amount 100000.00."),
        (8, "合同金额", "1.005", "“1.005” has more than 2 decimal places."),
        (10, "回款日期", "", "This field is required."),
    ]  # fmt: skip
    assert problems(checked, warnings=True) == [
        (6, "合同编号", "A-001", "An earlier row of the file has the contract number “A-001”."),
        (9, "合同编号", kept.number,
         f"A contract with the number “{kept.number}” already exists."),
    ]  # fmt: skip


def test_signed_contract_moves_customer_and_timeline(
    personas: Personas, customers: dict[str, Customer], tmp_path: Path
) -> None:
    rows: list[list[object]] = [
        HEADER,
        ["B-1", "杭州星星科技有限公司", "", "300", "2024-01-01", "2024-01-05", "100", "2024-02-01"],
        ["B-2", "杭州星星科技有限公司", "", "200", "2024-04-01", "2024-04-03", "", ""],
        ["B-3", "宁波月亮贸易有限公司", "", "200", "2024-05-01", "", "", ""],
    ]  # fmt: skip

    job = run(personas.manager, write_xlsx(tmp_path / "c.xlsx", rows), kind=ImportKind.CONTRACTS)

    assert job.created == 3
    customers["star"].refresh_from_db()
    customers["moon"].refresh_from_db()
    assert customers["star"].status == CustomerStatus.WON
    assert customers["moon"].status != CustomerStatus.WON
    assert _timeline(customers["star"]) == [
        (EventKind.CONTRACT_CREATED, dt.date(2024, 1, 5)),
        (EventKind.CONTRACT_CREATED, dt.date(2024, 4, 3)),
        (EventKind.PAYMENT_RECEIVED, dt.date(2024, 2, 1)),
    ]
    assert _timeline(customers["moon"]) == [(EventKind.CONTRACT_CREATED, dt.date(2024, 5, 1))]
    moves = Event.objects.filter(customer=customers["star"], kind=EventKind.FIELDS_CHANGED)
    assert [event.data["changes"]["status"][1] for event in moves] == [CustomerStatus.WON]


def test_only_approver_roles_import_signed_contracts(
    personas: Personas, customers: dict[str, Customer], tmp_path: Path
) -> None:
    rows: list[list[object]] = [
        ["合同编号", "客户名称", "合同金额", "开始日期", "签订日期", "合同状态"],
        ["C-1", "杭州星星科技有限公司", "10", "2024-01-01", "2024-01-05", ""],
        ["C-2", "杭州星星科技有限公司", "10", "2024-01-01", "", "已签订"],
        ["C-3", "杭州星星科技有限公司", "10", "2024-01-01", "", "草稿"],
        ["C-4", "杭州星星科技有限公司", "10", "2024-01-01", "", "待审批"],
    ]
    path = write_xlsx(tmp_path / "c.xlsx", rows)

    job = run(personas.rep, path, kind=ImportKind.CONTRACTS)

    assert (job.created, job.rejected) == (1, 3)
    assert list(Contract.objects.values_list("number", "status")) == [("C-3", ContractStatus.DRAFT)]
    message = (
        "Signed contracts skip the approval, so only a manager may import them. Import the "
        "contract as a draft, or ask a manager to import the file."
    )
    assert problems(job) == [
        (2, "签订日期", "2024-01-05", message),
        (3, "合同状态", "已签订", message),
        (5, "合同状态", "待审批",
         "“待审批” is not a status an import can give. Use one of: Draft、Signed."),
    ]  # fmt: skip
    customers["star"].refresh_from_db()
    assert customers["star"].status != CustomerStatus.WON

    by_manager = run(personas.manager, path, kind=ImportKind.CONTRACTS)
    assert (by_manager.created, by_manager.skipped, by_manager.rejected) == (2, 1, 1)
    assert Contract.objects.get(number="C-2").signed_on == dt.date(2024, 1, 1)


def test_contract_links_deal_by_id_or_name(
    personas: Personas, customers: dict[str, Customer], tmp_path: Path
) -> None:
    by_name = sales_services.create_deal(personas.rep, customers["star"], {"name": "年度框架"})
    by_ref = sales_services.create_deal(personas.rep, customers["star"], {"name": "试点"})
    type(by_ref).objects.filter(pk=by_ref.pk).update(external_ref="OPP-9")
    sales_services.create_deal(personas.rep, customers["moon"], {"name": "别家商机"})
    rows: list[list[object]] = [
        ["合同编号", "客户名称", "合同金额", "开始日期", "关联商机"],
        ["D-1", "杭州星星科技有限公司", "10", "2024-01-01", "年度框架"],
        ["D-2", "杭州星星科技有限公司", "10", "2024-01-01", "OPP-9"],
        ["D-3", "杭州星星科技有限公司", "10", "2024-01-01", "别家商机"],
    ]

    job = run(personas.rep, write_xlsx(tmp_path / "c.xlsx", rows), kind=ImportKind.CONTRACTS)

    assert job.created == 2
    assert Contract.objects.get(number="D-1").deal == by_name
    assert Contract.objects.get(number="D-2").deal == by_ref
    assert problems(job) == [
        (4, "关联商机", "别家商机",
         "No deal of this customer has the ID or name “别家商机”. Import the deals first, or "
         "correct the file."),
    ]  # fmt: skip


def test_undo_removes_contracts_and_restores_status(
    personas: Personas, customers: dict[str, Customer], tmp_path: Path
) -> None:
    rows: list[list[object]] = [
        HEADER,
        ["E-1", "杭州星星科技有限公司", "", "300", "2024-01-01", "2024-01-05", "100", "2024-02-01"],
    ]  # fmt: skip
    status_before = customers["star"].status
    events_before = Event.objects.count()
    job = run(personas.manager, write_xlsx(tmp_path / "c.xlsx", rows), kind=ImportKind.CONTRACTS)
    assert Event.objects.count() == events_before + 3

    undo_import(personas.manager, job)

    assert not Contract.objects.exists()
    assert not ContractVersion.objects.exists()
    assert not Receipt.objects.exists()
    customers["star"].refresh_from_db()
    assert customers["star"].status == status_before
    # The import's three entries are gone; the undo adds the status change back.
    assert Event.objects.count() == events_before + 1


def test_undo_refuses_contracts_changed_after_import(
    personas: Personas, customers: dict[str, Customer], tmp_path: Path
) -> None:
    rows: list[list[object]] = [
        HEADER,
        ["F-1", "宁波月亮贸易有限公司", "", "300", "2024-01-01", "2024-01-05", "", ""],
    ]
    job = run(personas.manager, write_xlsx(tmp_path / "c.xlsx", rows), kind=ImportKind.CONTRACTS)
    contract = Contract.objects.get()
    payments.record_receipt(
        personas.manager,
        contract,
        {"received_on": "2024-03-01", "amount": "50", "method": "cash"},
    )

    with pytest.raises(ValidationError, match="contract “F-1”"):
        undo_import(personas.manager, job)
    assert Contract.objects.count() == 1


def test_contract_import_follows_field_policy(personas: Personas) -> None:
    role = personas.rep.role
    assert role is not None
    role.field_policy = {"payment.received": FieldAccess.READ_ONLY}
    role.save()
    rep = User.objects.get(pk=personas.rep.pk)
    keys = {target.key for target in mapping.targets_for(ImportKind.CONTRACTS, policy_for(rep))}
    assert "contract.amount" in keys
    assert "payment.received" not in keys
    assert ImportKind.CONTRACTS in services.importable_kinds(rep)

    role.field_policy = {"contract.amount": FieldAccess.READ_ONLY}
    role.save()
    rep = User.objects.get(pk=personas.rep.pk)
    keys = {target.key for target in mapping.targets_for(ImportKind.CONTRACTS, policy_for(rep))}
    assert "contract.amount" not in keys
    assert ImportKind.CONTRACTS not in services.importable_kinds(rep)
    assert ImportKind.CONTRACTS not in services.importable_kinds(personas.agent)


def test_contract_duplicates_are_only_skipped(
    personas: Personas, customers: dict[str, Customer], tmp_path: Path
) -> None:
    assert services.duplicate_choices(personas.manager, ImportKind.CONTRACTS) == [OnDuplicate.SKIP]
    path = write_xlsx(
        tmp_path / "c.xlsx", [["客户名称", "合同金额"], ["宁波月亮贸易有限公司", "1"]]
    )
    with pytest.raises(ValidationError) as raised:
        prepare(personas.manager, path, kind=ImportKind.CONTRACTS)
    assert raised.value.message_dict["mapping"] == [
        "Choose the column for Contract number.",
        "Choose the column for Start date.",
    ]


def test_contract_errors_in_chinese(
    personas: Personas, customers: dict[str, Customer], tmp_path: Path
) -> None:
    rows: list[list[object]] = [
        ["合同编号", "客户名称", "合同金额", "开始日期", "签订日期"],
        ["G-1", "杭州星星科技有限公司", "10", "2024-01-01", "2024-01-05"],
    ]
    with translation.override("zh-hans"):
        job = run(personas.rep, write_xlsx(tmp_path / "c.xlsx", rows), kind=ImportKind.CONTRACTS)
    assert problems(job) == [
        (2, "签订日期", "2024-01-05",
         "已签订的合同不经过审批，因此只有经理可以导入。请将合同作为草稿导入，或请经理导入此文件。"),
    ]  # fmt: skip


def test_new_contracts_skip_numbers_that_imports_took(
    personas: Personas, customers: dict[str, Customer], tmp_path: Path
) -> None:
    values = {"title": "框架合同", "amount": "1", "start_on": "2024-01-01"}
    first = contract_services.create_contract(personas.manager, customers["moon"], values)
    year = timezone.localdate().year
    # The import takes the next id, and its number is the one the id after it would get.
    taken = f"HT{year}{first.pk + 2:06d}"
    rows: list[list[object]] = [
        HEADER,
        [taken, "宁波月亮贸易有限公司", "", "1", "2024-01-01", "", "", ""],
    ]
    job = run(
        personas.manager, write_xlsx(tmp_path / "contracts.xlsx", rows), kind=ImportKind.CONTRACTS
    )
    assert job.created == 1

    later = contract_services.create_contract(personas.manager, customers["moon"], values)

    assert later.pk == first.pk + 2
    assert later.number == f"{taken}-2"
