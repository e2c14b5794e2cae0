"""Turn the fixed role of each user into a row of the new Role table.

The four fixed roles become the preset roles, with the same names and rules as
`kehu.org.presets`, and each user points at the preset of the role they had.
"""

import uuid

import django.db.models.deletion
from django.apps.registry import Apps
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

from kehu.org.presets import PRESETS, preset_values


def create_presets(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    role_model = apps.get_model("org", "Role")
    user_model = apps.get_model("org", "User")
    for preset in PRESETS:
        role, _created = role_model.objects.get_or_create(
            preset=preset, defaults=preset_values(preset)
        )
        user_model.objects.filter(old_role=preset).update(role=role)


class Migration(migrations.Migration):
    dependencies = [("org", "0001_initial")]

    operations = [
        migrations.CreateModel(
            name="Role",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("public_id", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ("name", models.CharField(max_length=50, unique=True, verbose_name="name")),
                (
                    "preset",
                    models.CharField(
                        blank=True,
                        choices=[("boss", "Boss"), ("manager", "Sales manager"), ("rep", "Sales rep"), ("agent", "Outside agent")],
                        editable=False,
                        max_length=20,
                        verbose_name="preset",
                    ),
                ),
                (
                    "data_scope",
                    models.CharField(
                        choices=[
                            ("own", "Own customers"),
                            ("subordinates", "Own and subordinates' customers"),
                            ("department", "Own department's customers"),
                            ("department_tree", "Own department and sub-departments"),
                            ("company", "Whole company"),
                            ("assigned", "Only customers explicitly assigned"),
                        ],
                        default="own",
                        max_length=20,
                        verbose_name="data scope",
                    ),
                ),
                ("capabilities", models.JSONField(blank=True, default=list, verbose_name="capabilities")),
                ("field_policy", models.JSONField(blank=True, default=dict, verbose_name="field policy")),
                (
                    "money_access",
                    models.CharField(
                        choices=[("editable", "Editable"), ("read_only", "Read-only"), ("masked", "Masked"), ("hidden", "Hidden")],
                        default="editable",
                        max_length=20,
                        verbose_name="money fields",
                    ),
                ),
                (
                    "sensitive_access",
                    models.CharField(
                        choices=[("editable", "Editable"), ("read_only", "Read-only"), ("masked", "Masked"), ("hidden", "Hidden")],
                        default="editable",
                        max_length=20,
                        verbose_name="sensitive fields",
                    ),
                ),
            ],
            options={
                "verbose_name": "role",
                "verbose_name_plural": "roles",
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("preset", ""), _negated=True),
                        fields=("preset",),
                        name="org_role_unique_preset",
                    )
                ],
            },
        ),
        migrations.RenameField(model_name="user", old_name="role", new_name="old_role"),
        migrations.AddField(
            model_name="user",
            name="role",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="users",
                to="org.role",
                verbose_name="role",
            ),
        ),
        migrations.RunPython(create_presets, migrations.RunPython.noop),
        migrations.RemoveField(model_name="user", name="old_role"),
    ]
