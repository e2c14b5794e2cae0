from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

# A copy of kehu.sales.stages.DEFAULT_STAGES as it was when this migration was written, so later
# changes to the module do not change what this migration did.
STAGES = (
    ("初步接触", 10, "open"),
    ("需求确认", 30, "open"),
    ("方案报价", 50, "open"),
    ("谈判审批", 70, "open"),
    ("赢单", 100, "won"),
    ("输单", 0, "lost"),
)
NAME = "默认销售流程"


def create_default_pipeline(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    Pipeline = apps.get_model("sales", "Pipeline")
    Stage = apps.get_model("sales", "Stage")
    if Pipeline.objects.filter(is_default=True).exists():
        return
    pipeline = Pipeline.objects.create(name=NAME, is_default=True)
    for position, (name, probability, kind) in enumerate(STAGES, start=1):
        Stage.objects.create(
            pipeline=pipeline,
            name=name,
            position=position,
            win_probability=probability,
            kind=kind,
        )


def remove_default_pipeline(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    Pipeline = apps.get_model("sales", "Pipeline")
    Pipeline.objects.filter(name=NAME, is_default=True, deals__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("sales", "0001_products_pipelines_deals")]

    operations = [migrations.RunPython(create_default_pipeline, remove_default_pipeline)]
