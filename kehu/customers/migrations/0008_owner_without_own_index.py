"""Drop the single-column index of Customer.owner; the (owner, -id) index and the other indexes
that start with the owner serve the same lookups.

Django's AlterField would rebuild the whole customer table on SQLite to drop an index, so the
database side is a plain DROP INDEX. The name is the one Django gave the index when it created
the foreign key; it is the same on SQLite and PostgreSQL.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

INDEX = "customers_customer_owner_id_fbb2798e"


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0007_short_queries_in_trigram_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f"DROP INDEX IF EXISTS {INDEX}",
                    f"CREATE INDEX {INDEX} ON customers_customer (owner_id)",
                ),
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="customer",
                    name="owner",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="owned_customers",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="owner",
                    ),
                ),
            ],
        ),
    ]
