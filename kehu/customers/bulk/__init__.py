"""Batch writes of customers and contacts, for the importer.

`import_customers` and `import_contacts` take a batch of rows and clean each one with the same
functions as the single-record services. Customer rows are cleaned beforehand by
`prepare_customers`, which reads no database, so the importer can prepare the next batch in
another process. They check duplicates for the whole batch in a fixed number of queries
(kehu.customers.dedup.find_matches) and against earlier rows of the same file (`FileIndex`).
Then they write customers, tags, contacts, timeline events and search index rows with a few
bulk inserts. With `dry_run` they stop before writing and return what would happen, so a dry
run and the real import decide every row the same way.

Duplicate handling is chosen per call: skip the row, update the existing record (filling in
the row's non-empty values) or create a new record anyway. Unless duplicates are created, a row
that repeats a customer of an earlier row of the same file and has a new contact adds that
contact to it, so a file may list several contacts of one customer on several rows.
"""

from kehu.customers.bulk.common import (
    CONTACT_ADDED,
    CREATE,
    CREATED,
    REJECTED,
    SKIP,
    SKIPPED,
    UPDATE,
    UPDATED,
    BatchResult,
    Change,
    FileIndex,
    ImportContext,
    IncomingContact,
    IncomingContactRow,
    IncomingCustomer,
    OwnerRouter,
    PreparedCustomer,
    RowResult,
    check_owner,
)
from kehu.customers.bulk.contacts import import_contacts
from kehu.customers.bulk.customers import import_customers, prepare_customers
from kehu.customers.bulk.rows import RowBuilder, insert_instances, insert_rows

__all__ = [
    "CONTACT_ADDED",
    "CREATE",
    "CREATED",
    "REJECTED",
    "SKIP",
    "SKIPPED",
    "UPDATE",
    "UPDATED",
    "BatchResult",
    "Change",
    "FileIndex",
    "ImportContext",
    "IncomingContact",
    "IncomingContactRow",
    "IncomingCustomer",
    "OwnerRouter",
    "PreparedCustomer",
    "RowBuilder",
    "RowResult",
    "check_owner",
    "import_contacts",
    "import_customers",
    "insert_instances",
    "insert_rows",
    "prepare_customers",
]
