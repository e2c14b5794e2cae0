"""Add the return reasons a new company starts with; pool administrators may edit the list."""

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

# Chinese, because the reasons are data that reps pick from, not interface text.
DEFAULT_REASONS = ("客户暂无需求", "联系不上", "已选择竞争对手", "非目标客户", "其他")


def add_reasons(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    reason_model = apps.get_model("pool", "ReturnReason")
    if reason_model.objects.exists():
        return
    reason_model.objects.bulk_create(
        reason_model(name=name, position=position, is_active=True)
        for position, name in enumerate(DEFAULT_REASONS)
    )


def remove_reasons(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    reason_model = apps.get_model("pool", "ReturnReason")
    reason_model.objects.filter(name__in=DEFAULT_REASONS).delete()


class Migration(migrations.Migration):
    dependencies = [("pool", "0001_pools")]

    operations = [migrations.RunPython(add_reasons, remove_reasons)]
