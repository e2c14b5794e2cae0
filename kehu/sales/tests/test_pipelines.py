"""The pipeline editor's services: the stage rules, exact errors, audit entries and atomicity."""

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from kehu.audit.models import AuditEntry
from kehu.conftest import Personas
from kehu.sales import pipelines, services
from kehu.sales.models import Deal, Pipeline, Stage, StageChange, StageKind
from kehu.sales.stages import default_pipeline
from kehu.sales.tests.conftest import Shop
from kehu.timeline.models import Event, EventKind


@pytest.fixture(autouse=True)
def chinese() -> Any:
    with translation.override("zh-hans"):
        yield


def _names(pipeline: Pipeline) -> list[str]:
    return [stage.name for stage in pipelines.ordered_stages(pipeline.pk)]


def _positions(pipeline: Pipeline) -> list[tuple[str, int]]:
    return list(pipeline.stages.order_by("position").values_list("name", "position"))


def _stage(pipeline: Pipeline, name: str) -> Stage:
    return pipeline.stages.get(name=name)


def _state() -> dict[str, list[tuple[Any, ...]]]:
    """Return every row a pipeline change could touch, for before-and-after comparisons."""
    return {
        "pipelines": list(Pipeline.objects.order_by("pk").values_list()),
        "stages": list(Stage.objects.order_by("pk").values_list()),
        "deals": list(Deal.objects.order_by("pk").values_list()),
        "changes": list(StageChange.objects.order_by("pk").values_list()),
        "events": list(Event.objects.order_by("pk").values_list("pk", "kind", "data")),
        "audit": list(AuditEntry.objects.order_by("pk").values_list("pk", "action", "detail")),
    }


def _messages(error: ValidationError) -> dict[str, list[str]]:
    return {key: list(value) for key, value in error.message_dict.items()}


def _project_pipeline(personas: Personas) -> Pipeline:
    return pipelines.create_pipeline(personas.boss, "项目型销售")


def _deal(personas: Personas, shop: Shop, name: str, **kwargs: Any) -> Deal:
    return services.create_deal(personas.rep, shop.customer, {"name": name}, **kwargs)


# Permission


@pytest.mark.parametrize("persona", ["manager", "rep", "agent"])
def test_only_manage_fields_roles_change_pipelines(personas: Personas, persona: str) -> None:
    actor = getattr(personas, persona)
    pipeline = default_pipeline()
    stage = _stage(pipeline, "需求确认")
    before = _state()

    attempts: list[Callable[[], object]] = [
        lambda: pipelines.create_pipeline(actor, "代理流程"),
        lambda: pipelines.rename_pipeline(actor, pipeline, "改名"),
        lambda: pipelines.make_default_pipeline(actor, pipeline),
        lambda: pipelines.delete_pipeline(actor, pipeline),
        lambda: pipelines.add_stage(actor, pipeline, "新阶段", 40),
        lambda: pipelines.update_stage(actor, stage, name="改名"),
        lambda: pipelines.reorder_stages(actor, pipeline, []),
        lambda: pipelines.remove_stage(actor, stage),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied) as raised:
            attempt()
        assert str(raised.value) == "您的角色无权修改销售流程。"

    assert _state() == before


# Pipelines


def test_create_pipeline_has_default_stages(personas: Personas) -> None:
    pipeline = pipelines.create_pipeline(personas.boss, "  项目型销售 ")

    assert pipeline.name == "项目型销售"
    assert pipeline.is_default is False
    assert _positions(pipeline) == [
        ("初步接触", 1),
        ("需求确认", 2),
        ("方案报价", 3),
        ("谈判审批", 4),
        ("赢单", 5),
        ("输单", 6),
    ]
    kinds = list(pipeline.stages.order_by("position").values_list("kind", "win_probability"))
    assert kinds[-2:] == [(StageKind.WON, 100), (StageKind.LOST, 0)]
    entry = AuditEntry.objects.get(action="pipeline_created")
    assert entry.actor == personas.boss
    assert entry.target_type == "pipeline"
    assert entry.target_id == str(pipeline.public_id)
    assert entry.detail == {"name": "项目型销售", "stages": _names(pipeline)}


def test_create_pipeline_rejects_bad_names(personas: Personas) -> None:
    _project_pipeline(personas)
    before = _state()

    cases = {
        "": "请输入名称。",
        "   ": "请输入名称。",
        "项" * 61: "最多 60 个字符，当前为 61 个。",
        "项目型销售": "已有名为“项目型销售”的销售流程。",
    }
    for name, message in cases.items():
        with pytest.raises(ValidationError) as raised:
            pipelines.create_pipeline(personas.boss, name)
        assert _messages(raised.value) == {"name": [message]}, name

    assert _state() == before


def test_pipeline_names_compare_without_case(personas: Personas) -> None:
    pipelines.create_pipeline(personas.boss, "Projects")

    with pytest.raises(ValidationError) as raised:
        pipelines.create_pipeline(personas.boss, "PROJECTS")

    assert _messages(raised.value) == {"name": ["已有名为“PROJECTS”的销售流程。"]}


def test_rename_pipeline_records_old_and_new(personas: Personas) -> None:
    pipeline = _project_pipeline(personas)

    renamed = pipelines.rename_pipeline(personas.boss, pipeline, "大客户项目")
    unchanged = pipelines.rename_pipeline(personas.boss, pipeline, "大客户项目")

    assert renamed.name == "大客户项目"
    assert unchanged.name == "大客户项目"
    entries = AuditEntry.objects.filter(action="pipeline_changed")
    assert [entry.detail for entry in entries] == [
        {"change": "renamed", "name": ["项目型销售", "大客户项目"]}
    ]


def test_rename_pipeline_rejects_taken_name(personas: Personas) -> None:
    pipeline = _project_pipeline(personas)
    before = _state()

    with pytest.raises(ValidationError) as raised:
        pipelines.rename_pipeline(personas.boss, pipeline, default_pipeline().name)

    assert _messages(raised.value) == {"name": ["已有名为“默认销售流程”的销售流程。"]}
    assert _state() == before


def test_make_default_moves_the_flag(personas: Personas, shop: Shop) -> None:
    old = default_pipeline()
    pipeline = _project_pipeline(personas)

    pipelines.make_default_pipeline(personas.boss, pipeline)
    deal = _deal(personas, shop, "新默认流程商机")

    assert list(Pipeline.objects.filter(is_default=True)) == [pipeline]
    assert default_pipeline() == pipeline
    assert deal.pipeline == pipeline
    assert deal.stage.name == "初步接触"
    assert deal.stage.pipeline == pipeline
    old.refresh_from_db()
    assert old.is_default is False
    entry = AuditEntry.objects.get(action="pipeline_changed")
    assert entry.target_id == str(pipeline.public_id)
    assert entry.detail == {"change": "made_default", "previous": "默认销售流程"}


def test_delete_pipeline_without_deals(personas: Personas) -> None:
    pipeline = _project_pipeline(personas)
    public_id = pipeline.public_id

    pipelines.delete_pipeline(personas.boss, pipeline)

    assert not Pipeline.objects.filter(public_id=public_id).exists()
    assert not Stage.objects.filter(pipeline_id=pipeline.pk).exists()
    entry = AuditEntry.objects.get(action="pipeline_deleted")
    assert entry.target_id == str(public_id)
    assert entry.detail == {"name": "项目型销售"}


def test_delete_pipeline_refuses_default(personas: Personas) -> None:
    before = _state()

    with pytest.raises(ValidationError) as raised:
        pipelines.delete_pipeline(personas.boss, default_pipeline())

    assert _messages(raised.value) == {
        "pipeline": ["默认销售流程不能删除。请先将其他销售流程设为默认。"]
    }
    assert _state() == before


def test_delete_pipeline_names_deal_count(personas: Personas, shop: Shop) -> None:
    pipeline = _project_pipeline(personas)
    for name in ("一号项目", "二号项目"):
        _deal(personas, shop, name, pipeline=pipeline)
    before = _state()

    with pytest.raises(ValidationError) as raised:
        pipelines.delete_pipeline(personas.boss, pipeline)

    assert _messages(raised.value) == {
        "pipeline": ["有 2 个商机使用销售流程“项目型销售”，因此不能删除。"]
    }
    assert _state() == before


def test_delete_pipeline_message_in_english(personas: Personas, shop: Shop) -> None:
    pipeline = _project_pipeline(personas)
    _deal(personas, shop, "一号项目", pipeline=pipeline)

    with translation.override("en"), pytest.raises(ValidationError) as raised:
        pipelines.delete_pipeline(personas.boss, pipeline)

    assert raised.value.messages == [
        "1 deal uses the pipeline “项目型销售”, so it cannot be deleted."
    ]


# Stages


def test_add_stage_goes_before_won_and_lost(personas: Personas) -> None:
    pipeline = _project_pipeline(personas)

    stage = pipelines.add_stage(personas.boss, pipeline, "合同评审", "85%")

    assert stage.kind == StageKind.OPEN
    assert stage.win_probability == 85
    assert _positions(pipeline) == [
        ("初步接触", 1),
        ("需求确认", 2),
        ("方案报价", 3),
        ("谈判审批", 4),
        ("合同评审", 5),
        ("赢单", 6),
        ("输单", 7),
    ]
    entry = AuditEntry.objects.get(action="pipeline_changed")
    assert entry.target_id == str(pipeline.public_id)
    assert entry.detail == {
        "change": "stage_added",
        "stage": str(stage.public_id),
        "name": "合同评审",
        "win_probability": 85,
    }


@pytest.mark.parametrize(
    ("probability", "shown"),
    [("101", "101"), ("-5", "-5"), ("三十", "三十"), ("", ""), ("12.5", "12.5"), (None, "")],
)
def test_add_stage_rejects_bad_probability(
    personas: Personas, probability: Any, shown: str
) -> None:
    pipeline = _project_pipeline(personas)
    before = _state()

    with pytest.raises(ValidationError) as raised:
        pipelines.add_stage(personas.boss, pipeline, "合同评审", probability)

    assert _messages(raised.value) == {
        "win_probability": [f"请输入 0 到 100 之间的整数百分比，而不是“{shown}”。"]
    }
    assert _state() == before


def test_add_stage_reports_name_and_probability(personas: Personas) -> None:
    pipeline = _project_pipeline(personas)

    with pytest.raises(ValidationError) as raised:
        pipelines.add_stage(personas.boss, pipeline, "需求确认", 200)
    with pytest.raises(ValidationError) as both:
        pipelines.add_stage(personas.boss, pipeline, "", 200)

    assert _messages(raised.value) == {
        "win_probability": ["请输入 0 到 100 之间的整数百分比，而不是“200”。"]
    }
    assert _messages(both.value) == {
        "name": ["请输入名称。"],
        "win_probability": ["请输入 0 到 100 之间的整数百分比，而不是“200”。"],
    }


def test_add_stage_rejects_taken_name(personas: Personas) -> None:
    pipeline = _project_pipeline(personas)
    before = _state()

    with pytest.raises(ValidationError) as raised:
        pipelines.add_stage(personas.boss, pipeline, "赢单", 90)

    assert _messages(raised.value) == {"name": ["此销售流程中已有名为“赢单”的阶段。"]}
    assert _state() == before


def test_same_stage_name_in_two_pipelines(personas: Personas) -> None:
    pipeline = _project_pipeline(personas)

    stage = pipelines.add_stage(personas.boss, pipeline, "合同评审", 85)
    other = pipelines.add_stage(personas.boss, default_pipeline(), "合同评审", 80)

    assert stage.name == other.name
    assert stage.pipeline_id != other.pipeline_id


def test_update_stage_renames_and_keeps_history(personas: Personas, shop: Shop) -> None:
    pipeline = default_pipeline()
    deal = _deal(personas, shop, "改名前商机")
    stage = deal.stage

    changed = pipelines.update_stage(personas.boss, stage, name="初次拜访", win_probability="15")

    assert changed.name == "初次拜访"
    assert changed.win_probability == 15
    deal.refresh_from_db()
    assert deal.stage == changed
    change = deal.stage_changes.get()
    assert (change.from_name, change.to_name) == ("", "初步接触")
    entry = AuditEntry.objects.get(action="pipeline_changed")
    assert entry.target_id == str(pipeline.public_id)
    assert entry.detail == {
        "change": "stage_changed",
        "stage": str(stage.public_id),
        "changes": {"name": ["初步接触", "初次拜访"], "win_probability": [10, 15]},
    }


def test_update_stage_fixes_final_probability(personas: Personas) -> None:
    pipeline = default_pipeline()
    won = _stage(pipeline, "赢单")
    lost = _stage(pipeline, "输单")
    before = _state()

    with pytest.raises(ValidationError) as won_error:
        pipelines.update_stage(personas.boss, won, name="成交", win_probability=90)
    with pytest.raises(ValidationError) as lost_error:
        pipelines.update_stage(personas.boss, lost, win_probability=5)

    assert _messages(won_error.value) == {"win_probability": ["赢单阶段的赢单率固定为 100%。"]}
    assert _messages(lost_error.value) == {"win_probability": ["输单阶段的赢单率固定为 0%。"]}
    assert _state() == before


def test_update_stage_renames_won_stage(personas: Personas) -> None:
    won = _stage(default_pipeline(), "赢单")

    changed = pipelines.update_stage(personas.boss, won, name="成交", win_probability=100)

    assert (changed.name, changed.kind, changed.win_probability) == ("成交", "won", 100)


def test_update_stage_rejects_taken_name(personas: Personas) -> None:
    stage = _stage(default_pipeline(), "需求确认")
    before = _state()

    with pytest.raises(ValidationError) as raised:
        pipelines.update_stage(personas.boss, stage, name="方案报价", win_probability=35)

    assert _messages(raised.value) == {"name": ["此销售流程中已有名为“方案报价”的阶段。"]}
    assert _state() == before


def test_reorder_stages(personas: Personas) -> None:
    pipeline = default_pipeline()
    wanted = ["方案报价", "初步接触", "谈判审批", "需求确认"]

    ordered = pipelines.reorder_stages(
        personas.boss, pipeline, [_stage(pipeline, name).public_id for name in wanted]
    )

    assert [stage.name for stage in ordered] == [*wanted, "赢单", "输单"]
    assert _positions(pipeline) == [
        ("方案报价", 1),
        ("初步接触", 2),
        ("谈判审批", 3),
        ("需求确认", 4),
        ("赢单", 5),
        ("输单", 6),
    ]
    entry = AuditEntry.objects.get(action="pipeline_changed")
    assert entry.detail == {"change": "stages_reordered", "stages": wanted}


def test_reorder_rejects_incomplete_orders(personas: Personas) -> None:
    pipeline = default_pipeline()
    ids = {stage.name: str(stage.public_id) for stage in pipeline.stages.all()}
    other = _stage(_project_pipeline(personas), "需求确认")
    before = _state()

    cases = [
        (
            [ids["初步接触"], ids["需求确认"], ids["方案报价"]],
            ["排序中缺少以下进行中的阶段：谈判审批。"],
        ),
        (
            [ids["初步接触"], ids["需求确认"], ids["方案报价"], ids["谈判审批"], ids["赢单"]],
            [f"“{ids['赢单']}”不是此销售流程中进行中的阶段。"],
        ),
        (
            [ids["初步接触"], ids["需求确认"], ids["方案报价"], str(other.public_id)],
            [
                f"“{other.public_id}”不是此销售流程中进行中的阶段。",
                "排序中缺少以下进行中的阶段：谈判审批。",
            ],
        ),
        (
            [ids["初步接触"], ids["初步接触"], ids["需求确认"], ids["方案报价"], ids["谈判审批"]],
            ["每个阶段只能出现一次。"],
        ),
    ]
    for order, messages in cases:
        with pytest.raises(ValidationError) as raised:
            pipelines.reorder_stages(personas.boss, pipeline, order)
        assert _messages(raised.value) == {"stages": messages}

    assert _state() == before


def test_remove_empty_stage(personas: Personas) -> None:
    pipeline = default_pipeline()
    stage = _stage(pipeline, "需求确认")

    moved = pipelines.remove_stage(personas.boss, stage)

    assert moved == 0
    assert _positions(pipeline) == [
        ("初步接触", 1),
        ("方案报价", 2),
        ("谈判审批", 3),
        ("赢单", 4),
        ("输单", 5),
    ]
    entry = AuditEntry.objects.get(action="pipeline_changed")
    assert entry.detail == {
        "change": "stage_removed",
        "stage": str(stage.public_id),
        "name": "需求确认",
        "moved_to": None,
        "deals_moved": 0,
    }


def test_remove_stage_with_deals_needs_target(personas: Personas, shop: Shop) -> None:
    pipeline = default_pipeline()
    stage = _stage(pipeline, "初步接触")
    _deal(personas, shop, "一号商机")
    _deal(personas, shop, "二号商机")
    before = _state()

    with pytest.raises(ValidationError) as raised:
        pipelines.remove_stage(personas.boss, stage)

    assert _messages(raised.value) == {
        "move_to": ["阶段“初步接触”中有 2 个商机。请选择要将其移至的阶段。"]
    }
    assert _state() == before


def test_remove_stage_moves_deals(personas: Personas, shop: Shop) -> None:
    pipeline = default_pipeline()
    stage = _stage(pipeline, "初步接触")
    target = _stage(pipeline, "需求确认")
    first = _deal(personas, shop, "一号商机")
    second = _deal(personas, shop, "二号商机")
    elsewhere = _deal(personas, shop, "方案阶段商机", stage=_stage(pipeline, "方案报价"))

    moved = pipelines.remove_stage(personas.boss, stage, move_to=target)

    assert moved == 2
    assert not Stage.objects.filter(pk=stage.pk).exists()
    for deal in (first, second):
        deal.refresh_from_db()
        assert deal.stage == target
        assert deal.version == 2
        history = list(deal.stage_changes.values_list("from_name", "to_name", "actor"))
        assert history == [
            ("", "初步接触", personas.rep.pk),
            ("初步接触", "需求确认", personas.boss.pk),
        ]
        # The history row of the removed stage keeps its name without the link.
        assert deal.stage_changes.filter(to_stage__isnull=True).count() == 1
    elsewhere.refresh_from_db()
    assert elsewhere.stage.name == "方案报价"
    assert elsewhere.version == 1
    events = Event.objects.filter(kind=EventKind.DEAL_STAGE_CHANGED).order_by("pk")
    assert [(event.data["name"], event.data["from"], event.data["to"]) for event in events] == [
        ("一号商机", "初步接触", "需求确认"),
        ("二号商机", "初步接触", "需求确认"),
    ]
    moves = AuditEntry.objects.filter(action="deal_stage_moved").order_by("pk")
    assert [entry.target_id for entry in moves] == [str(first.public_id), str(second.public_id)]
    removal = AuditEntry.objects.get(action="pipeline_changed")
    assert removal.detail == {
        "change": "stage_removed",
        "stage": str(stage.public_id),
        "name": "初步接触",
        "moved_to": "需求确认",
        "deals_moved": 2,
    }
    assert _positions(pipeline)[0] == ("需求确认", 1)


def test_remove_stage_rejects_bad_targets(personas: Personas, shop: Shop) -> None:
    pipeline = default_pipeline()
    stage = _stage(pipeline, "初步接触")
    _deal(personas, shop, "一号商机")
    project = _project_pipeline(personas)
    before = _state()

    for target in (stage, _stage(pipeline, "赢单"), _stage(project, "需求确认")):
        with pytest.raises(ValidationError) as raised:
            pipelines.remove_stage(personas.boss, stage, move_to=target)
        assert _messages(raised.value) == {
            "move_to": ["请选择销售流程“默认销售流程”中另一个进行中的阶段。"]
        }

    assert _state() == before


def test_remove_stage_keeps_won_lost_and_one_open(personas: Personas) -> None:
    pipeline = _project_pipeline(personas)
    for name in ("需求确认", "方案报价", "谈判审批"):
        pipelines.remove_stage(personas.boss, _stage(pipeline, name))
    before = _state()

    cases = {
        "赢单": "赢单和输单阶段不能删除：每个销售流程都必须各有一个。",
        "输单": "赢单和输单阶段不能删除：每个销售流程都必须各有一个。",
        "初步接触": (
            "销售流程至少需要一个进行中的阶段供新商机使用，因此不能删除唯一的进行中阶段。"
        ),
    }
    for name, message in cases.items():
        with pytest.raises(ValidationError) as raised:
            pipelines.remove_stage(personas.boss, _stage(pipeline, name))
        assert _messages(raised.value) == {"stage": [message]}

    assert _state() == before
    assert _positions(pipeline) == [("初步接触", 1), ("赢单", 2), ("输单", 3)]


def test_removed_stage_no_longer_takes_deals(personas: Personas, shop: Shop) -> None:
    pipeline = default_pipeline()
    stale = _stage(pipeline, "需求确认")
    deal = _deal(personas, shop, "一号商机")
    pipelines.remove_stage(personas.boss, _stage(pipeline, "需求确认"))
    before = _state()

    with pytest.raises(ValidationError) as moved:
        services.move_deal_stage(personas.rep, deal, stale)
    with pytest.raises(ValidationError) as created:
        _deal(personas, shop, "二号商机", stage=stale)

    assert _messages(moved.value) == {"stage": ["此阶段已被删除。请刷新页面后选择其他阶段。"]}
    assert _messages(created.value) == {"stage": ["此阶段已被删除。请刷新页面后选择其他阶段。"]}
    assert _state() == before


# Deals in other pipelines


def test_create_deal_in_other_pipeline(personas: Personas, shop: Shop) -> None:
    project = _project_pipeline(personas)
    start = pipelines.add_stage(personas.boss, project, "立项", 5)
    pipelines.reorder_stages(
        personas.boss,
        project,
        [start.public_id, *(s.public_id for s in project.stages.filter(kind="open") if s != start)],
    )

    by_pipeline = _deal(personas, shop, "一号项目", pipeline=project)
    by_stage = _deal(personas, shop, "二号项目", stage=_stage(project, "方案报价"))

    assert (by_pipeline.pipeline, by_pipeline.stage.name) == (project, "立项")
    assert (by_stage.pipeline, by_stage.stage.name) == (project, "方案报价")
    event = Event.objects.filter(kind=EventKind.DEAL_CREATED).order_by("pk").first()
    assert event is not None
    assert event.data["stage"] == "立项"


def test_create_deal_rejects_stage_of_other_pipeline(personas: Personas, shop: Shop) -> None:
    project = _project_pipeline(personas)
    before = _state()

    with pytest.raises(ValidationError) as raised:
        _deal(
            personas,
            shop,
            "错配商机",
            pipeline=project,
            stage=_stage(default_pipeline(), "需求确认"),
        )
    with pytest.raises(ValidationError) as final:
        _deal(personas, shop, "直接赢单", stage=_stage(project, "赢单"))

    assert _messages(raised.value) == {"stage": ["新商机只能从进行中的阶段开始。"]}
    assert _messages(final.value) == {"stage": ["新商机只能从进行中的阶段开始。"]}
    assert _state() == before


def test_new_deal_stage_reads_ids(personas: Personas) -> None:
    project = _project_pipeline(personas)
    stage = _stage(project, "需求确认")

    assert services.new_deal_stage(None, None) == (None, None)
    assert services.new_deal_stage(str(project.public_id), None) == (project, None)
    assert services.new_deal_stage(None, str(stage.public_id)) == (None, stage)
    assert services.new_deal_stage(project.public_id, stage.public_id) == (project, stage)
    with pytest.raises(ValidationError) as unknown:
        services.new_deal_stage("not-an-id", None)
    with pytest.raises(ValidationError) as mismatched:
        services.new_deal_stage(str(default_pipeline().public_id), str(stage.public_id))
    with pytest.raises(ValidationError) as final:
        services.new_deal_stage(None, str(_stage(project, "输单").public_id))

    assert _messages(unknown.value) == {"pipeline": ["请从列表中选择销售流程。"]}
    assert _messages(mismatched.value) == {
        "stage": ["请选择销售流程“默认销售流程”中进行中的阶段。"]
    }
    assert _messages(final.value) == {"stage": ["新商机只能从进行中的阶段开始。"]}


def test_move_keeps_deal_in_its_pipeline(personas: Personas, shop: Shop) -> None:
    project = _project_pipeline(personas)
    deal = _deal(personas, shop, "一号商机")

    with pytest.raises(ValidationError) as raised:
        services.move_deal_stage(personas.rep, deal, _stage(project, "需求确认"))

    assert _messages(raised.value) == {"stage": ["此阶段属于其他销售流程。"]}
