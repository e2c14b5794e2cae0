import django.db.models.deletion
from django.apps.registry import Apps
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

# Rows copied per UPDATE batch while the stage names are filled in.
BATCH = 2000


def copy_stage_names(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Fill in each history row's stage names from the stages it points to."""
    StageChange = apps.get_model("sales", "StageChange")
    Stage = apps.get_model("sales", "Stage")
    names = dict(Stage.objects.values_list("pk", "name"))
    changes = StageChange.objects.order_by("pk").only("pk", "from_stage_id", "to_stage_id")
    batch = []
    for change in changes.iterator(chunk_size=BATCH):
        change.from_name = names.get(change.from_stage_id, "")
        change.to_name = names.get(change.to_stage_id, "")
        batch.append(change)
        if len(batch) == BATCH:
            StageChange.objects.bulk_update(batch, ["from_name", "to_name"])
            batch = []
    if batch:
        StageChange.objects.bulk_update(batch, ["from_name", "to_name"])


class Migration(migrations.Migration):
    dependencies = [("sales", "0004_contracts_and_payments")]

    operations = [
        migrations.AddField(
            model_name="stagechange",
            name="from_name",
            field=models.CharField(blank=True, max_length=40),
        ),
        migrations.AddField(
            model_name="stagechange",
            name="to_name",
            field=models.CharField(default="", max_length=40),
            preserve_default=False,
        ),
        # Going back leaves the names in place; the columns go with the reversed AddFields.
        migrations.RunPython(copy_stage_names, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="stagechange",
            name="from_stage",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="sales.stage",
            ),
        ),
        migrations.AlterField(
            model_name="stagechange",
            name="to_stage",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="sales.stage",
            ),
        ),
        migrations.AddConstraint(
            model_name="stage",
            constraint=models.UniqueConstraint(
                fields=("pipeline", "name"), name="sales_stage_unique_name"
            ),
        ),
        migrations.AddConstraint(
            model_name="stage",
            constraint=models.UniqueConstraint(
                condition=models.Q(("kind", "open"), _negated=True),
                fields=("pipeline", "kind"),
                name="sales_stage_one_won_one_lost",
            ),
        ),
        migrations.AddConstraint(
            model_name="stage",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("kind", "open"),
                    models.Q(("kind", "won"), ("win_probability", 100)),
                    models.Q(("kind", "lost"), ("win_probability", 0)),
                    _connector="OR",
                ),
                name="sales_stage_final_probability",
            ),
        ),
    ]
