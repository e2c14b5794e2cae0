"""The pipeline settings page, and deals of a second pipeline on the deal form, list and board."""

from django.test import Client

from kehu.audit.models import AuditEntry
from kehu.conftest import Personas
from kehu.org.models import User
from kehu.sales import pipelines, services
from kehu.sales.models import Deal, Pipeline, Stage
from kehu.sales.stages import default_pipeline
from kehu.sales.tests.conftest import Shop

PAGE = "/settings/pipelines/"
HTMX = {"HX-Request": "true"}


def _client(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def _project(personas: Personas) -> Pipeline:
    return pipelines.create_pipeline(personas.boss, "项目型销售")


def _stage(pipeline: Pipeline, name: str) -> Stage:
    return pipeline.stages.get(name=name)


def _stage_names(pipeline: Pipeline) -> list[str]:
    return [stage.name for stage in pipelines.ordered_stages(pipeline.pk)]


def test_page_lists_pipelines_and_stages(personas: Personas, shop: Shop) -> None:
    _project(personas)
    services.create_deal(personas.rep, shop.customer, {"name": "页面商机"})

    response = _client(personas.boss).get(PAGE)

    body = response.content.decode()
    assert response.status_code == 200
    assert "默认销售流程" in body
    assert "项目型销售" in body
    assert body.index("默认销售流程") < body.index("项目型销售")
    assert body.count('value="谈判审批"') == 2
    assert "此销售流程中有 1 个商机" in body
    assert "设为默认" in body
    assert f"/settings/pipelines/{default_pipeline().public_id}/delete/" not in body


def test_page_only_for_manage_fields_roles(personas: Personas) -> None:
    boss_page = _client(personas.boss).get("/")
    for user in (personas.manager, personas.rep, personas.agent):
        response = _client(user).get(PAGE)
        home = _client(user).get("/").content.decode()
        assert response.status_code == 403
        assert 'href="/settings/pipelines/"' not in home
    anonymous = Client().get(PAGE)

    assert 'href="/settings/pipelines/"' in boss_page.content.decode()
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/login/")


def test_rep_cannot_post_changes(personas: Personas) -> None:
    pipeline = default_pipeline()
    client = _client(personas.rep)

    responses = [
        client.post(PAGE + "new/", {"name": "越权流程"}),
        client.post(f"{PAGE}{pipeline.public_id}/rename/", {"name": "越权"}),
        client.post(
            f"{PAGE}{pipeline.public_id}/stages/new/", {"name": "越权", "win_probability": "5"}
        ),
        client.post(f"/settings/stages/{_stage(pipeline, '需求确认').public_id}/remove/"),
    ]

    assert [response.status_code for response in responses] == [403, 403, 403, 403]
    assert list(Pipeline.objects.values_list("name", flat=True)) == ["默认销售流程"]
    assert len(_stage_names(pipeline)) == 6
    assert not AuditEntry.objects.filter(action__startswith="pipeline").exists()


def test_create_pipeline_and_rejected_name(personas: Personas) -> None:
    client = _client(personas.boss)

    created = client.post(PAGE + "new/", {"name": "项目型销售"})
    duplicate = client.post(PAGE + "new/", {"name": "项目型销售"})

    pipeline = Pipeline.objects.get(name="项目型销售")
    assert created.status_code == 302
    assert created["Location"] == f"{PAGE}#pipeline-{pipeline.public_id}"
    assert duplicate.status_code == 400
    assert "已有名为“项目型销售”的销售流程。" in duplicate.content.decode()
    assert Pipeline.objects.count() == 2


def test_htmx_add_stage_swaps_the_card(personas: Personas) -> None:
    pipeline = _project(personas)
    client = _client(personas.boss)
    url = f"{PAGE}{pipeline.public_id}/stages/new/"

    added = client.post(url, {"name": "合同评审", "win_probability": "85"}, headers=HTMX)
    rejected = client.post(url, {"name": "合同评审", "win_probability": "85"}, headers=HTMX)

    body = added.content.decode()
    assert added.status_code == 200
    assert body.lstrip().startswith(f'<section class="card" id="pipeline-{pipeline.public_id}">')
    assert "<html" not in body
    assert 'value="合同评审"' in body
    assert rejected.status_code == 200
    assert "此销售流程中已有名为“合同评审”的阶段。" in rejected.content.decode()
    assert _stage_names(pipeline)[-3:] == ["合同评审", "赢单", "输单"]


def test_stage_error_without_htmx_is_400_page(personas: Personas) -> None:
    pipeline = _project(personas)

    response = _client(personas.boss).post(
        f"{PAGE}{pipeline.public_id}/stages/new/", {"name": "合同评审", "win_probability": "120"}
    )

    body = response.content.decode()
    assert response.status_code == 400
    assert "<html" in body
    assert "请输入 0 到 100 之间的整数百分比，而不是“120”。" in body
    assert 'value="合同评审"' in body
    assert len(_stage_names(pipeline)) == 6


def test_rename_pipeline_and_stage(personas: Personas) -> None:
    pipeline = _project(personas)
    stage = _stage(pipeline, "需求确认")
    client = _client(personas.boss)

    renamed = client.post(f"{PAGE}{pipeline.public_id}/rename/", {"name": "大客户项目"})
    stage_changed = client.post(
        f"/settings/stages/{stage.public_id}/edit/",
        {"name": "需求调研", "win_probability": "25"},
        headers=HTMX,
    )
    final = client.post(
        f"/settings/stages/{_stage(pipeline, '赢单').public_id}/edit/", {"name": "成交"}
    )

    pipeline.refresh_from_db()
    stage.refresh_from_db()
    assert renamed.status_code == 302
    assert pipeline.name == "大客户项目"
    assert stage_changed.status_code == 200
    assert (stage.name, stage.win_probability) == ("需求调研", 25)
    assert final.status_code == 302
    assert _stage_names(pipeline)[-2:] == ["成交", "输单"]


def test_reorder_by_arrows(personas: Personas) -> None:
    pipeline = _project(personas)
    page = _client(personas.boss).get(PAGE).content.decode()
    ids = [str(_stage(pipeline, name).public_id) for name in _stage_names(pipeline)[:4]]

    response = _client(personas.boss).post(
        f"{PAGE}{pipeline.public_id}/stages/order/",
        {"order": [ids[1], ids[0], ids[2], ids[3]]},
        headers=HTMX,
    )

    # The up arrow of the second stage posts exactly this order.
    arrow = "".join(
        f'<input type="hidden" name="order" value="{value}">'
        for value in [ids[1], ids[0], ids[2], ids[3]]
    )
    assert arrow in page
    assert response.status_code == 200
    assert _stage_names(pipeline)[:2] == ["需求确认", "初步接触"]


def test_remove_stage_moving_deals(personas: Personas, shop: Shop) -> None:
    pipeline = default_pipeline()
    stage = _stage(pipeline, "初步接触")
    target = _stage(pipeline, "方案报价")
    deal = services.create_deal(personas.rep, shop.customer, {"name": "待迁移商机"})
    client = _client(personas.boss)
    url = f"/settings/stages/{stage.public_id}/remove/"

    refused = client.post(url)
    foreign = client.post(url, {"move_to": "not-an-id"})
    removed = client.post(url, {"move_to": str(target.public_id)})

    deal.refresh_from_db()
    assert refused.status_code == 400
    assert "阶段“初步接触”中有 1 个商机。请选择要将其移至的阶段。" in refused.content.decode()
    assert foreign.status_code == 400
    assert removed.status_code == 302
    assert deal.stage == target
    assert "初步接触" not in _stage_names(pipeline)


def test_delete_pipeline_in_use_shows_count(personas: Personas, shop: Shop) -> None:
    pipeline = _project(personas)
    services.create_deal(personas.rep, shop.customer, {"name": "项目商机"}, pipeline=pipeline)
    spare = pipelines.create_pipeline(personas.boss, "闲置流程")
    client = _client(personas.boss)

    refused = client.post(f"{PAGE}{pipeline.public_id}/delete/")
    deleted = client.post(f"{PAGE}{spare.public_id}/delete/")

    assert refused.status_code == 400
    assert "有 1 个商机使用销售流程“项目型销售”，因此不能删除。" in refused.content.decode()
    assert deleted.status_code == 302
    assert sorted(Pipeline.objects.values_list("name", flat=True)) == ["项目型销售", "默认销售流程"]


def test_make_default_from_page(personas: Personas) -> None:
    pipeline = _project(personas)

    response = _client(personas.boss).post(f"{PAGE}{pipeline.public_id}/default/")

    pipeline.refresh_from_db()
    assert response.status_code == 302
    assert pipeline.is_default is True
    assert Pipeline.objects.filter(is_default=True).count() == 1


# Deals of a second pipeline


def test_deal_form_offers_pipelines(personas: Personas, shop: Shop) -> None:
    pipeline = _project(personas)
    pipelines.add_stage(personas.boss, pipeline, "项目立项", 5)
    client = _client(personas.rep)
    url = f"/customers/{shop.customer.public_id}/deals/new/"

    default_form = client.get(url).content.decode()
    project_form = client.get(url, {"pipeline": str(pipeline.public_id)}).content.decode()
    created = client.post(
        url,
        {
            "name": "项目商机",
            "pipeline": str(pipeline.public_id),
            "stage": str(_stage(pipeline, "项目立项").public_id),
        },
    )
    mismatched = client.post(
        url,
        {
            "name": "错配商机",
            "pipeline": str(pipeline.public_id),
            "stage": str(_stage(default_pipeline(), "需求确认").public_id),
        },
    )

    assert 'name="pipeline"' in default_form
    assert "项目立项" not in default_form
    assert "项目立项" in project_form
    deal = Deal.objects.get()
    assert created.status_code == 302
    assert (deal.pipeline, deal.stage.name) == (pipeline, "项目立项")
    assert mismatched.status_code == 400
    assert "请选择销售流程“项目型销售”中进行中的阶段。" in mismatched.content.decode()


def test_deal_form_without_second_pipeline(personas: Personas, shop: Shop) -> None:
    form = _client(personas.rep).get(f"/customers/{shop.customer.public_id}/deals/new/")

    assert form.status_code == 200
    assert 'name="pipeline"' not in form.content.decode()


def test_board_shows_chosen_pipeline(personas: Personas, shop: Shop) -> None:
    pipeline = _project(personas)
    pipelines.add_stage(personas.boss, pipeline, "项目立项", 5)
    services.create_deal(personas.rep, shop.customer, {"name": "默认流程商机"})
    services.create_deal(personas.rep, shop.customer, {"name": "项目流程商机"}, pipeline=pipeline)
    client = _client(personas.rep)

    default_board = client.get("/deals/board/").content.decode()
    project_board = client.get("/deals/board/", {"pipeline": str(pipeline.public_id)})
    unknown = client.get("/deals/board/", {"pipeline": "5b1f1d4e-0000-4000-8000-000000000000"})

    assert "默认流程商机" in default_board
    assert "项目流程商机" not in default_board
    assert "项目立项" not in default_board
    body = project_board.content.decode()
    assert project_board.status_code == 200
    assert "项目流程商机" in body
    assert "默认流程商机" not in body
    assert "项目立项" in body
    assert f'<option value="{pipeline.public_id}" selected>' in body
    assert unknown.status_code == 404


def test_deal_list_filters_by_pipeline(personas: Personas, shop: Shop) -> None:
    pipeline = _project(personas)
    services.create_deal(personas.rep, shop.customer, {"name": "默认流程商机"})
    services.create_deal(personas.rep, shop.customer, {"name": "项目流程商机"}, pipeline=pipeline)

    response = _client(personas.rep).get("/deals/", {"pipeline": str(pipeline.public_id)})

    body = response.content.decode()
    assert response.status_code == 200
    assert "项目流程商机" in body
    assert "默认流程商机" not in body
    assert "项目型销售 · 需求确认" in body


def test_deal_page_shows_pipeline_and_history(personas: Personas, shop: Shop) -> None:
    pipeline = _project(personas)
    deal = services.create_deal(
        personas.rep, shop.customer, {"name": "项目流程商机"}, pipeline=pipeline
    )
    services.move_deal_stage(personas.rep, deal, _stage(pipeline, "需求确认"))
    pipelines.remove_stage(
        personas.boss, _stage(pipeline, "需求确认"), move_to=_stage(pipeline, "方案报价")
    )

    body = _client(personas.rep).get(f"/deals/{deal.public_id}/").content.decode()

    assert "<dt>销售流程</dt><dd>项目型销售</dd>" in body
    assert "初步接触 → 需求确认" in body
    assert "需求确认 → 方案报价" in body
