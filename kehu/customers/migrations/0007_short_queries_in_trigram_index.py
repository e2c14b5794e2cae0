"""Find one- and two-character queries through the trigram index on SQLite.

Search documents get their new text: each value starts with two newlines, and the pinyin of a
company name leaves out its legal form (有限公司). On SQLite the short queries then use the
FTS5 index, so the SearchKey rows go; the FTS5 table is recreated without the column sizes,
which only ranking reads, and merges its segments in larger steps. PostgreSQL keeps SearchKey,
rebuilt with the new values. See docs/decisions/0010-short-queries-in-the-trigram-index.md.
"""

from collections.abc import Iterator

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

from kehu.customers import search

BATCH = 2000
FTS = "customers_search_fts"
TRIGGERS = (
    "CREATE TRIGGER customers_searchdocument_ai AFTER INSERT ON customers_searchdocument BEGIN "
    f"INSERT INTO {FTS}(rowid, text) VALUES (new.customer_id, new.text); END",
    "CREATE TRIGGER customers_searchdocument_ad AFTER DELETE ON customers_searchdocument BEGIN "
    f"INSERT INTO {FTS}({FTS}, rowid, text) VALUES ('delete', old.customer_id, old.text); END",
    "CREATE TRIGGER customers_searchdocument_au AFTER UPDATE ON customers_searchdocument BEGIN "
    f"INSERT INTO {FTS}({FTS}, rowid, text) VALUES ('delete', old.customer_id, old.text); "
    f"INSERT INTO {FTS}(rowid, text) VALUES (new.customer_id, new.text); END",
)
DROP_FTS = (
    "DROP TRIGGER IF EXISTS customers_searchdocument_au",
    "DROP TRIGGER IF EXISTS customers_searchdocument_ad",
    "DROP TRIGGER IF EXISTS customers_searchdocument_ai",
    f"DROP TABLE IF EXISTS {FTS}",
)
# FTS5 merges segments once this many of one size exist (its default is 4). Measured on 89,092
# imported customers: inserting their documents took 8.7 s with 4 and 7.5 s with 8, and queries
# were as fast.
AUTOMERGE = 8


def _create_fts(schema_editor: BaseDatabaseSchemaEditor, options: str) -> None:
    schema_editor.execute(
        f"CREATE VIRTUAL TABLE {FTS} USING fts5(text, content='customers_searchdocument', "
        f"content_rowid='customer_id', tokenize='trigram'{options})"
    )
    for statement in TRIGGERS:
        schema_editor.execute(statement)


def _index_rows(apps: StateApps) -> Iterator[list[tuple[int, list[str]]]]:
    """Yield the customers' current index values, `BATCH` customers at a time."""
    customer_model = apps.get_model("customers", "Customer")
    contact_model = apps.get_model("customers", "Contact")
    last = 0
    while True:
        customers = list(
            customer_model.objects.filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", "name", "short_name", "credit_code")[:BATCH]
        )
        if not customers:
            return
        last = customers[-1][0]
        contacts: dict[int, list[tuple[str, str, str, str, str]]] = {}
        for customer_id, *values in (
            contact_model.objects.filter(customer_id__in=[row[0] for row in customers])
            .order_by("pk")
            .values_list("customer_id", "name", "mobile", "phone", "email", "wechat")
        ):
            name, mobile, phone, email, wechat = values
            contacts.setdefault(customer_id, []).append((name, mobile, phone, email, wechat))
        yield [
            (pk, search.index_values(name, short, code, contacts.get(pk, [])))
            for pk, name, short, code in customers
        ]


def forwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    sqlite = schema_editor.connection.vendor == "sqlite"
    if sqlite:
        for statement in DROP_FTS:
            schema_editor.execute(statement)
        schema_editor.execute("DELETE FROM customers_searchkey")
    with schema_editor.connection.cursor() as cursor:
        for batch in _index_rows(apps):
            cursor.executemany(
                "UPDATE customers_searchdocument SET text = %s WHERE customer_id = %s",
                [(search.document_text(values), pk) for pk, values in batch],
            )
            if sqlite:
                continue
            ids = [pk for pk, _values in batch]
            marks = ", ".join(["%s"] * len(ids))
            cursor.execute(f"DELETE FROM customers_searchkey WHERE customer_id IN ({marks})", ids)
            cursor.executemany(
                "INSERT INTO customers_searchkey (customer_id, value) VALUES (%s, %s)",
                [(pk, value) for pk, values in batch for value in values],
            )
    if sqlite:
        _create_fts(schema_editor, ", columnsize=0")
        schema_editor.execute(f"INSERT INTO {FTS}({FTS}, rank) VALUES ('automerge', {AUTOMERGE})")
        schema_editor.execute(f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')")


def backwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Restore the text with one newline between values and SearchKey rows on SQLite."""
    sqlite = schema_editor.connection.vendor == "sqlite"
    if sqlite:
        for statement in DROP_FTS:
            schema_editor.execute(statement)
    with schema_editor.connection.cursor() as cursor:
        for batch in _index_rows(apps):
            cursor.executemany(
                "UPDATE customers_searchdocument SET text = %s WHERE customer_id = %s",
                [("\n".join(values), pk) for pk, values in batch],
            )
            if sqlite:
                cursor.executemany(
                    "INSERT INTO customers_searchkey (customer_id, value) VALUES (%s, %s)",
                    [(pk, value) for pk, values in batch for value in values],
                )
    if sqlite:
        _create_fts(schema_editor, "")
        schema_editor.execute(f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')")


class Migration(migrations.Migration):
    dependencies = [("customers", "0006_list_indexes_with_filters")]

    operations = [migrations.RunPython(forwards, backwards)]
