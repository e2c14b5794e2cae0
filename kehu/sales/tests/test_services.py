from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kehu.audit.models import AuditEntry
from kehu.conftest import Personas
from kehu.core import money
from kehu.sales import services
from kehu.sales.models import Deal, DealLine, Stage, StageKind
from kehu.sales.stages import default_pipeline
from kehu.sales.tests.conftest import Shop
from kehu.timeline.models import Event, EventKind


def _stage(name: str) -> Stage:
    return default_pipeline().stages.get(name=name)


def _deal(personas: Personas, shop: Shop, **values: object) -> Deal:
    return services.create_deal(
        personas.rep, shop.customer, {"name": "阀门年度采购", "amount": "50000", **values}
    )


def test_money_rounds_half_up_to_fen() -> None:
    assert money.quantize(Decimal("0.005")) == Decimal("0.01")
    assert money.quantize(Decimal("2.675")) == Decimal("2.68")
    assert money.quantize(Decimal("-0.005")) == Decimal("-0.01")
    assert money.line_total(Decimal("3"), Decimal("0.335")) == Decimal("1.01")
    assert money.line_total(Decimal("1.5"), Decimal("120.50")) == Decimal("180.75")
    assert money.total([]) == Decimal("0.00")


def test_default_pipeline_has_chinese_stages(db: None) -> None:
    stages = list(default_pipeline().stages.order_by("position"))

    assert [stage.name for stage in stages] == [
        "初步接触",
        "需求确认",
        "方案报价",
        "谈判审批",
        "赢单",
        "输单",
    ]
    assert [stage.win_probability for stage in stages] == [10, 30, 50, 70, 100, 0]
    assert [stage.kind for stage in stages][-2:] == [StageKind.WON, StageKind.LOST]


def test_create_deal_records_event_and_audit(personas: Personas, shop: Shop) -> None:
    deal = _deal(personas, shop, expected_close_on="2026-03-31")

    assert deal.amount == Decimal("50000.00")
    assert deal.stage.name == "初步接触"
    assert deal.owner == personas.rep
    event = Event.objects.get(customer=shop.customer, kind=EventKind.DEAL_CREATED)
    assert event.data == {
        "deal": str(deal.public_id),
        "name": "阀门年度采购",
        "amount": "50000.00",
        "stage": "初步接触",
    }
    assert (
        AuditEntry.objects.filter(action="deal_created", target_id=str(deal.public_id)).count() == 1
    )
    assert deal.stage_changes.count() == 1


def test_agent_cannot_create_deal(personas: Personas, shop: Shop) -> None:
    with pytest.raises(PermissionDenied):
        services.create_deal(personas.agent, shop.customer, {"name": "代理商机"})

    assert Deal.objects.count() == 0


def test_rep_cannot_add_deal_to_other_reps_customer(personas: Personas, shop: Shop) -> None:
    with pytest.raises(PermissionDenied):
        services.create_deal(personas.rep, shop.other_customer, {"name": "越权商机"})

    assert Deal.objects.count() == 0


def test_deal_rejects_bad_values(personas: Personas, shop: Shop) -> None:
    with pytest.raises(ValidationError) as caught:
        services.create_deal(
            personas.rep, shop.customer, {"name": "", "amount": "-1", "expected_close_on": "x"}
        )

    assert sorted(caught.value.message_dict) == ["amount", "expected_close_on", "name"]
    assert caught.value.message_dict["name"] == ["此字段为必填项。"]
    with pytest.raises(ValidationError) as caught:
        _deal(personas, shop, amount="1.234")
    assert list(caught.value.message_dict) == ["amount"]
    assert Deal.objects.count() == 0


def test_lines_set_amount_exactly(personas: Personas, shop: Shop) -> None:
    deal = _deal(personas, shop)

    changed = services.set_deal_lines(
        personas.rep,
        deal,
        [
            {"product": shop.valve, "quantity": "3"},
            {"product": shop.pump, "quantity": "0.5", "unit_price": "0.01"},
            {"product": shop.pump, "quantity": "1.5", "unit_price": "3999.99"},
        ],
    )

    totals = [line.total for line in changed.lines.all()]
    assert totals == [Decimal("361.50"), Decimal("0.01"), Decimal("5999.99")]
    assert changed.amount == Decimal("6361.50")
    assert changed.version == 2


def test_lines_errors_name_the_line(personas: Personas, shop: Shop) -> None:
    deal = _deal(personas, shop)

    with pytest.raises(ValidationError) as caught:
        services.set_deal_lines(
            personas.rep,
            deal,
            [{"product": shop.valve, "quantity": "1"}, {"product": shop.pump, "quantity": "0"}],
        )

    assert list(caught.value.message_dict) == ["lines.2.quantity"]
    assert DealLine.objects.count() == 0


def test_amount_follows_lines(personas: Personas, shop: Shop) -> None:
    deal = services.set_deal_lines(
        personas.rep, _deal(personas, shop), [{"product": shop.valve, "quantity": "2"}]
    )

    with pytest.raises(ValidationError) as caught:
        services.update_deal(personas.rep, deal, {"amount": "1"})

    assert list(caught.value.message_dict) == ["amount"]
    assert Deal.objects.get().amount == Decimal("241.00")


def test_move_records_history_and_event(personas: Personas, shop: Shop) -> None:
    deal = _deal(personas, shop)

    moved = services.move_deal_stage(personas.rep, deal, _stage("需求确认"))

    assert moved.stage.name == "需求确认"
    assert moved.closed_at is None
    event = Event.objects.get(kind=EventKind.DEAL_STAGE_CHANGED)
    assert event.data["from"] == "初步接触"
    assert event.data["to"] == "需求确认"
    assert moved.stage_changes.count() == 2


def test_won_is_final(personas: Personas, shop: Shop) -> None:
    deal = services.move_deal_stage(personas.rep, _deal(personas, shop), _stage("赢单"))

    assert deal.closed_at is not None
    assert Event.objects.get(kind=EventKind.DEAL_WON).data["amount"] == "50000.00"
    with pytest.raises(ValidationError) as caught:
        services.move_deal_stage(personas.rep, deal, _stage("方案报价"))
    assert list(caught.value.message_dict) == ["stage"]
    with pytest.raises(ValidationError):
        services.update_deal(personas.rep, deal, {"name": "改名"})
    assert Deal.objects.get().stage.name == "赢单"


def test_lost_needs_reason(personas: Personas, shop: Shop) -> None:
    deal = _deal(personas, shop)

    with pytest.raises(ValidationError) as caught:
        services.move_deal_stage(personas.rep, deal, _stage("输单"), lost_reason="  ")
    assert list(caught.value.message_dict) == ["lost_reason"]
    assert Deal.objects.get().stage.name == "初步接触"

    lost = services.move_deal_stage(personas.rep, deal, _stage("输单"), lost_reason="价格太高")
    assert lost.lost_reason == "价格太高"
    assert lost.closed_at is not None
    assert Event.objects.get(kind=EventKind.DEAL_LOST).data["reason"] == "价格太高"


def test_agent_cannot_move_assigned_deal(personas: Personas, shop: Shop) -> None:
    deal = _deal(personas, shop)

    with pytest.raises(PermissionDenied):
        services.move_deal_stage(personas.agent, deal, _stage("需求确认"))

    assert Deal.objects.get().stage.name == "初步接触"


def test_new_deal_cannot_start_closed(personas: Personas, shop: Shop) -> None:
    with pytest.raises(ValidationError):
        services.create_deal(
            personas.rep, shop.customer, {"name": "直接赢单"}, stage=_stage("赢单")
        )

    assert Deal.objects.count() == 0


def test_stale_version_is_rejected(personas: Personas, shop: Shop) -> None:
    deal = _deal(personas, shop)
    services.update_deal(personas.rep, deal, {"name": "新名称"})

    with pytest.raises(ValidationError) as caught:
        services.update_deal(personas.rep, deal, {"name": "旧页面"}, expected_version=1)

    assert list(caught.value.message_dict) == ["version"]
    assert Deal.objects.get().name == "新名称"


def test_only_product_managers_change_products(personas: Personas, shop: Shop) -> None:
    with pytest.raises(PermissionDenied):
        services.create_product(personas.manager, {"name": "新品", "code": "N-1"})
    with pytest.raises(ValidationError) as caught:
        services.create_product(personas.boss, {"name": "重复", "code": "BV-50"})
    assert list(caught.value.message_dict) == ["code"]

    services.update_product(personas.boss, shop.valve, {"is_active": False})
    shop.valve.refresh_from_db()
    assert shop.valve.is_active is False


def test_retired_product_cannot_be_added(personas: Personas, shop: Shop) -> None:
    services.update_product(personas.boss, shop.valve, {"is_active": False})
    shop.valve.refresh_from_db()

    with pytest.raises(ValidationError) as caught:
        services.set_deal_lines(
            personas.rep, _deal(personas, shop), [{"product": shop.valve, "quantity": "1"}]
        )

    assert list(caught.value.message_dict) == ["lines.1.product"]
