"""The pipeline endpoints: reads for every role, the editor's writes for the boss's role."""

import uuid
from typing import Any

from django.test import Client

from kehu.api import services as api_services
from kehu.audit.models import AuditEntry
from kehu.conftest import Personas
from kehu.sales import pipelines, services
from kehu.sales.models import Deal, Pipeline, Stage
from kehu.sales.stages import default_pipeline
from kehu.sales.tests.conftest import Shop, call_api


def _stage(pipeline: Pipeline, name: str) -> Stage:
    return pipeline.stages.get(name=name)


def _project(personas: Personas) -> Pipeline:
    return pipelines.create_pipeline(personas.boss, "项目型销售")


def test_every_role_lists_pipelines(personas: Personas) -> None:
    project = _project(personas)
    pipelines.add_stage(personas.boss, project, "合同评审", 85)

    for user in (personas.boss, personas.rep, personas.agent):
        status, body = call_api(user, "GET", "/pipelines")
        assert status == 200
        assert [item["name"] for item in body] == ["默认销售流程", "项目型销售"]
    assert body[0]["is_default"] is True
    assert body[1]["is_default"] is False
    assert [stage["name"] for stage in body[1]["stages"]] == [
        "初步接触",
        "需求确认",
        "方案报价",
        "谈判审批",
        "合同评审",
        "赢单",
        "输单",
    ]
    assert body[1]["stages"][-2:] == [
        {
            "id": str(_stage(project, "赢单").public_id),
            "name": "赢单",
            "kind": "won",
            "win_probability": 100,
        },
        {
            "id": str(_stage(project, "输单").public_id),
            "name": "输单",
            "kind": "lost",
            "win_probability": 0,
        },
    ]
    status, single = call_api(personas.rep, "GET", f"/pipelines/{project.public_id}")
    assert status == 200
    assert single == body[1]
    missing, _body = call_api(personas.rep, "GET", f"/pipelines/{uuid.uuid4()}")
    assert missing == 404


def test_rep_cannot_write_pipelines(personas: Personas) -> None:
    pipeline = default_pipeline()
    stage = _stage(pipeline, "需求确认")
    base = f"/pipelines/{pipeline.public_id}"

    calls: list[tuple[str, str, dict[str, Any] | None]] = [
        ("POST", "/pipelines", {"name": "越权流程"}),
        ("PATCH", base, {"name": "越权"}),
        ("POST", base + "/default", None),
        ("DELETE", base, None),
        ("POST", base + "/stages", {"name": "越权", "win_probability": 5}),
        ("PUT", base + "/stage-order", {"stages": []}),
        ("PATCH", f"{base}/stages/{stage.public_id}", {"name": "越权"}),
        ("DELETE", f"{base}/stages/{stage.public_id}", None),
        # A refused role learns nothing about ids: a missing pipeline is a 403 as well.
        ("PATCH", f"/pipelines/{uuid.uuid4()}", {"name": "越权"}),
    ]
    for method, path, payload in calls:
        status, body = call_api(personas.rep, method, path, payload)
        assert (method, path, status) == (method, path, 403)
        assert body == {"detail": "您的角色无权修改销售流程。"}

    assert Pipeline.objects.count() == 1
    assert pipeline.stages.count() == 6
    assert not AuditEntry.objects.filter(action__startswith="pipeline").exists()


def test_boss_edits_a_pipeline(personas: Personas) -> None:
    status, created = call_api(personas.boss, "POST", "/pipelines", {"name": "项目型销售"})
    assert status == 201
    assert created["is_default"] is False
    assert len(created["stages"]) == 6
    base = f"/pipelines/{created['id']}"

    status, renamed = call_api(personas.boss, "PATCH", base, {"name": "大客户项目"})
    assert (status, renamed["name"]) == (200, "大客户项目")

    status, stage = call_api(
        personas.boss, "POST", base + "/stages", {"name": "合同评审", "win_probability": 85}
    )
    assert status == 201
    assert (stage["name"], stage["kind"], stage["win_probability"]) == ("合同评审", "open", 85)

    status, changed = call_api(
        personas.boss, "PATCH", f"{base}/stages/{stage['id']}", {"win_probability": 90}
    )
    assert (status, changed["name"], changed["win_probability"]) == (200, "合同评审", 90)

    open_ids = [item["id"] for item in created["stages"] if item["kind"] == "open"]
    order = [stage["id"], *open_ids]
    status, reordered = call_api(personas.boss, "PUT", base + "/stage-order", {"stages": order})
    assert status == 200
    assert [item["id"] for item in reordered["stages"]][:5] == order

    status, made_default = call_api(personas.boss, "POST", base + "/default")
    assert (status, made_default["is_default"]) == (200, True)
    assert default_pipeline().name == "大客户项目"

    changes = AuditEntry.objects.filter(action="pipeline_changed", target_id=created["id"])
    assert [entry.detail["change"] for entry in changes.order_by("pk")] == [
        "renamed",
        "stage_added",
        "stage_changed",
        "stages_reordered",
        "made_default",
    ]


def test_write_errors_are_422_by_field(personas: Personas) -> None:
    project = _project(personas)
    base = f"/pipelines/{project.public_id}"
    won = _stage(project, "赢单")

    cases = [
        (
            "POST",
            "/pipelines",
            {"name": "项目型销售"},
            {"name": ["已有名为“项目型销售”的销售流程。"]},
        ),
        (
            "POST",
            base + "/stages",
            {"name": "合同评审", "win_probability": 150},
            {"win_probability": ["请输入 0 到 100 之间的整数百分比，而不是“150”。"]},
        ),
        (
            "PATCH",
            f"{base}/stages/{won.public_id}",
            {"win_probability": 80},
            {"win_probability": ["赢单阶段的赢单率固定为 100%。"]},
        ),
        (
            "DELETE",
            f"/pipelines/{default_pipeline().public_id}",
            None,
            {"pipeline": ["默认销售流程不能删除。请先将其他销售流程设为默认。"]},
        ),
        (
            "DELETE",
            f"{base}/stages/{won.public_id}",
            None,
            {"stage": ["赢单和输单阶段不能删除：每个销售流程都必须各有一个。"]},
        ),
    ]
    for method, path, payload, errors in cases:
        status, body = call_api(personas.boss, method, path, payload)
        assert (path, status) == (path, 422)
        assert body == {"errors": errors}

    assert len(pipelines.ordered_stages(project.pk)) == 6
    assert won.win_probability == 100


def test_stage_of_other_pipeline_is_404(personas: Personas) -> None:
    project = _project(personas)
    stage = _stage(default_pipeline(), "需求确认")

    status, _body = call_api(
        personas.boss, "PATCH", f"/pipelines/{project.public_id}/stages/{stage.public_id}", {}
    )

    assert status == 404


def test_remove_stage_moves_deals(personas: Personas, shop: Shop) -> None:
    pipeline = default_pipeline()
    stage = _stage(pipeline, "初步接触")
    target = _stage(pipeline, "需求确认")
    deal = services.create_deal(personas.rep, shop.customer, {"name": "接口迁移商机"})
    path = f"/pipelines/{pipeline.public_id}/stages/{stage.public_id}"

    refused, refusal = call_api(personas.boss, "DELETE", path)
    unknown, unknown_body = call_api(personas.boss, "DELETE", f"{path}?move_to={uuid.uuid4()}")
    status, body = call_api(personas.boss, "DELETE", f"{path}?move_to={target.public_id}")

    assert refused == 422
    assert refusal == {
        "errors": {"move_to": ["阶段“初步接触”中有 1 个商机。请选择要将其移至的阶段。"]}
    }
    assert unknown == 422
    assert unknown_body == {
        "errors": {"move_to": ["请选择销售流程“默认销售流程”中另一个进行中的阶段。"]}
    }
    assert status == 200
    assert body["deals_moved"] == 1
    assert body["pipeline"]["stages"][0]["name"] == "需求确认"
    deal.refresh_from_db()
    assert deal.stage == target


def test_delete_unused_pipeline(personas: Personas) -> None:
    project = _project(personas)
    token = api_services.issue_token(None, personas.boss, "tests")[1]

    response = Client().delete(
        f"/api/v1/pipelines/{project.public_id}", headers={"Authorization": f"Bearer {token}"}
    )

    assert response.status_code == 204
    assert response.content == b""
    assert not Pipeline.objects.filter(pk=project.pk).exists()


def test_create_deal_in_named_pipeline(personas: Personas, shop: Shop) -> None:
    project = _project(personas)
    customer = str(shop.customer.public_id)

    status, by_pipeline = call_api(
        personas.rep,
        "POST",
        "/deals",
        {"customer": customer, "name": "项目商机", "pipeline": str(project.public_id)},
    )
    stage = _stage(project, "方案报价")
    by_stage_status, by_stage = call_api(
        personas.rep,
        "POST",
        "/deals",
        {"customer": customer, "name": "方案商机", "stage": str(stage.public_id)},
    )
    mismatch_status, mismatch = call_api(
        personas.rep,
        "POST",
        "/deals",
        {
            "customer": customer,
            "name": "错配商机",
            "pipeline": str(default_pipeline().public_id),
            "stage": str(stage.public_id),
        },
    )
    filtered_status, filtered = call_api(
        personas.rep, "GET", f"/deals?pipeline={project.public_id}"
    )

    assert status == 201
    assert by_pipeline["pipeline"] == {"id": str(project.public_id), "name": "项目型销售"}
    assert by_pipeline["stage"]["name"] == "初步接触"
    assert by_stage_status == 201
    assert by_stage["pipeline"]["name"] == "项目型销售"
    assert by_stage["stage"]["name"] == "方案报价"
    assert mismatch_status == 422
    assert mismatch == {"errors": {"stage": ["请选择销售流程“默认销售流程”中进行中的阶段。"]}}
    assert filtered_status == 200
    assert sorted(item["name"] for item in filtered["items"]) == ["方案商机", "项目商机"]
    assert Deal.objects.filter(pipeline=project).count() == 2


def test_agent_sees_pipeline_as_stage(personas: Personas, shop: Shop) -> None:
    deal = services.create_deal(personas.rep, shop.customer, {"name": "代理可见商机"})

    status, body = call_api(personas.agent, "GET", f"/deals/{deal.public_id}")

    assert status == 200
    assert body["pipeline"] == {"id": str(default_pipeline().public_id), "name": "默认销售流程"}


def test_schema_lists_pipeline_operations(client: Client) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]

    assert set(paths["/api/v1/pipelines"]) == {"get", "post"}
    assert set(paths["/api/v1/pipelines/{pipeline_id}"]) == {"get", "patch", "delete"}
    assert set(paths["/api/v1/pipelines/{pipeline_id}/default"]) == {"post"}
    assert set(paths["/api/v1/pipelines/{pipeline_id}/stages"]) == {"post"}
    assert set(paths["/api/v1/pipelines/{pipeline_id}/stage-order"]) == {"put"}
    assert set(paths["/api/v1/pipelines/{pipeline_id}/stages/{stage_id}"]) == {"patch", "delete"}
