"""Indexes for the customer list's sorts at a million customers.

Measured with bench/bench_list_search.py on SQLite (docs/benchmarks.md). Without them, sorting
by name read and sorted the whole table (2.4 s for the boss, 0.4 s for a rep who owns 500,000
customers), and a rep's list sorted by last follow-up sorted all of the rep's rows (0.66 s).
(name, id) serves the name sort of users who see everyone. (owner, <sort column>, id) serves
a rep's own list in that order, and the rep's count under a date filter such as due_today.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("customers", "0003_search_trigram_index")]

    operations = [
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(fields=["name", "id"], name="customers_customer_name"),
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(fields=["owner", "name", "id"], name="customers_customer_own_name"),
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(
                fields=["owner", "last_follow_up_at", "id"], name="customers_customer_own_last_fu"
            ),
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(
                fields=["owner", "next_follow_up_on", "id"], name="customers_customer_own_next_fu"
            ),
        ),
    ]
