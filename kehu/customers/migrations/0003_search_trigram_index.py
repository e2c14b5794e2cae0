"""Trigram index over SearchDocument.text: FTS5 on SQLite, pg_trgm on PostgreSQL."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

SQLITE_CREATE = [
    "CREATE VIRTUAL TABLE customers_search_fts USING fts5("
    "text, content='customers_searchdocument', content_rowid='customer_id', tokenize='trigram')",
    "CREATE TRIGGER customers_searchdocument_ai AFTER INSERT ON customers_searchdocument BEGIN "
    "INSERT INTO customers_search_fts(rowid, text) VALUES (new.customer_id, new.text); END",
    "CREATE TRIGGER customers_searchdocument_ad AFTER DELETE ON customers_searchdocument BEGIN "
    "INSERT INTO customers_search_fts(customers_search_fts, rowid, text) "
    "VALUES ('delete', old.customer_id, old.text); END",
    "CREATE TRIGGER customers_searchdocument_au AFTER UPDATE ON customers_searchdocument BEGIN "
    "INSERT INTO customers_search_fts(customers_search_fts, rowid, text) "
    "VALUES ('delete', old.customer_id, old.text); "
    "INSERT INTO customers_search_fts(rowid, text) VALUES (new.customer_id, new.text); END",
    "INSERT INTO customers_search_fts(customers_search_fts) VALUES ('rebuild')",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS customers_searchdocument_au",
    "DROP TRIGGER IF EXISTS customers_searchdocument_ad",
    "DROP TRIGGER IF EXISTS customers_searchdocument_ai",
    "DROP TABLE IF EXISTS customers_search_fts",
]
POSTGRES_CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS customers_searchdocument_trgm "
    "ON customers_searchdocument USING gin (text gin_trgm_ops)",
]
POSTGRES_DROP = ["DROP INDEX IF EXISTS customers_searchdocument_trgm"]


def _run(schema_editor: BaseDatabaseSchemaEditor, sqlite: list[str], postgres: list[str]) -> None:
    vendor = schema_editor.connection.vendor
    statements = sqlite if vendor == "sqlite" else postgres if vendor == "postgresql" else []
    for statement in statements:
        schema_editor.execute(statement)


def create(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _run(schema_editor, SQLITE_CREATE, POSTGRES_CREATE)


def drop(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _run(schema_editor, SQLITE_DROP, POSTGRES_DROP)


class Migration(migrations.Migration):
    dependencies = [("customers", "0002_customer_relations")]

    operations = [migrations.RunPython(create, drop)]
