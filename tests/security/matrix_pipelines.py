"""The permission matrix's entries for the pipeline settings page and the pipeline endpoints.

Statuses read boss, manager, rep, outside agent, signed out. Pipelines have no scope: every
role reads them through the API, and only the boss's role (the manage-fields capability)
changes them. The others get a 403 before any id in the path is looked up. The pipeline edited
is the world's second pipeline, which no deal uses, and the stage its second one.
"""

from typing import Any

from tests.security.matrix import Entry, every, expect
from tests.security.world import Records, World

PAGE = expect("200", "403", "403", "403", "302")
WRITE = expect("302", "403", "403", "403", "302")
API_WRITE = expect("200", "403", "403", "403", "401")
API_CREATE = expect("201", "403", "403", "403", "401")
V1 = "api/v1/"
PIPELINE = V1 + "pipelines/<pipeline_id>"
STAGE = PIPELINE + "/stages/<stage_id>"


def _constant(values: dict[str, Any]) -> Any:
    def build(world: World, role: str, records: Records) -> dict[str, Any]:
        return dict(values)

    return build


def _reversed_ids(world: World) -> list[str]:
    stages = world.pipeline.stages.filter(kind="open").order_by("position")
    return [str(stage.public_id) for stage in reversed(stages)]


def _page_order(world: World, role: str, records: Records) -> dict[str, Any]:
    return {"order": _reversed_ids(world)}


def _api_order(world: World, role: str, records: Records) -> dict[str, Any]:
    return {"stages": _reversed_ids(world)}


PIPELINE_PAGE_ENTRIES = [
    Entry("settings/pipelines/", "web:settings_pipelines", "GET", PAGE),
    Entry(
        "settings/pipelines/new/",
        "web:settings_pipeline_create",
        "POST",
        WRITE,
        data=_constant({"name": "渠道销售"}),
        writes=True,
    ),
    Entry(
        "settings/pipelines/<uuid:public_id>/rename/",
        "web:settings_pipeline_rename",
        "POST",
        WRITE,
        target="pipeline",
        data=_constant({"name": "大客户项目"}),
        writes=True,
    ),
    Entry(
        "settings/pipelines/<uuid:public_id>/default/",
        "web:settings_pipeline_default",
        "POST",
        WRITE,
        target="pipeline",
        writes=True,
    ),
    Entry(
        "settings/pipelines/<uuid:public_id>/delete/",
        "web:settings_pipeline_delete",
        "POST",
        WRITE,
        target="pipeline",
        writes=True,
    ),
    Entry(
        "settings/pipelines/<uuid:public_id>/stages/new/",
        "web:settings_stage_create",
        "POST",
        WRITE,
        target="pipeline",
        data=_constant({"name": "合同评审", "win_probability": "85"}),
        writes=True,
    ),
    Entry(
        "settings/pipelines/<uuid:public_id>/stages/order/",
        "web:settings_stage_reorder",
        "POST",
        WRITE,
        target="pipeline",
        data=_page_order,
        writes=True,
    ),
    Entry(
        "settings/stages/<uuid:public_id>/edit/",
        "web:settings_stage_update",
        "POST",
        WRITE,
        target="stage",
        data=_constant({"name": "需求调研", "win_probability": "25"}),
        writes=True,
    ),
    Entry(
        "settings/stages/<uuid:public_id>/remove/",
        "web:settings_stage_remove",
        "POST",
        WRITE,
        target="stage",
        writes=True,
    ),
]

PIPELINE_API_ENTRIES = [
    Entry(V1 + "pipelines", "api-v1:list_pipelines", "GET", every("200", "401")),
    Entry(
        V1 + "pipelines",
        "api-v1:create_pipeline",
        "POST",
        API_CREATE,
        data=_constant({"name": "渠道销售"}),
        writes=True,
    ),
    Entry(PIPELINE, "api-v1:pipeline_detail", "GET", every("200", "401")),
    Entry(
        PIPELINE,
        "api-v1:rename_pipeline",
        "PATCH",
        API_WRITE,
        data=_constant({"name": "大客户项目"}),
        writes=True,
    ),
    Entry(
        PIPELINE + "/default",
        "api-v1:make_default_pipeline",
        "POST",
        API_WRITE,
        writes=True,
    ),
    Entry(
        PIPELINE,
        "api-v1:delete_pipeline",
        "DELETE",
        expect("204", "403", "403", "403", "401"),
        writes=True,
    ),
    Entry(
        PIPELINE + "/stages",
        "api-v1:add_stage",
        "POST",
        API_CREATE,
        data=_constant({"name": "合同评审", "win_probability": 85}),
        writes=True,
    ),
    Entry(
        PIPELINE + "/stage-order",
        "api-v1:reorder_stages",
        "PUT",
        API_WRITE,
        data=_api_order,
        writes=True,
    ),
    Entry(
        STAGE,
        "api-v1:update_stage",
        "PATCH",
        API_WRITE,
        data=_constant({"win_probability": 25}),
        writes=True,
    ),
    Entry(STAGE, "api-v1:remove_stage", "DELETE", API_WRITE, writes=True),
]
