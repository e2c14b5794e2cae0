"""Split a sheet into batches and prepare them: everything an import does before the database.

Preparing a batch converts its cells (kehu.imports.rows), groups the rows into the records the
bulk services take, and for customer imports cleans the values and computes the search index
values. None of it reads the database once the custom fields snapshot contains the customer and
contact fields, so a large import prepares its batches in a child process (kehu.imports.prefetch)
while this process checks and writes the batch before.
"""

import dataclasses
from collections.abc import Generator, Iterator

from django.utils.translation import gettext as _

from kehu.customers import bulk
from kehu.fields.models import FieldTarget
from kehu.fields.registry import fields_for
from kehu.imports import prefetch
from kehu.imports.history import IncomingFollowUp
from kehu.imports.mapping import PARENT
from kehu.imports.models import ImportKind
from kehu.imports.readers import Header, Sheet
from kehu.imports.rows import (
    ParsedRow,
    Problem,
    RowParser,
    contact_values,
    customer_values,
    prefixed_values,
)
from kehu.org import bulk as org_bulk
from kehu.org.models import User
from kehu.sales import bulk as sales_bulk
from kehu.sales.contract_import import IncomingContract

# Rows per batch: the unit of the duplicate check and of the bulk inserts. The commit writes
# several batches per transaction (kehu.imports.engine.TRANSACTION_SECONDS).
BATCH_ROWS = 1000
# Sheets with more data rows than this prepare their batches in a child process. Below it the
# child's start and the transfer of the batches would cost more than they save.
PREFETCH_MIN_ROWS = 2 * BATCH_ROWS


@dataclasses.dataclass
class Batch:
    phase: int
    end: int  # 0-based sheet row index after the batch's last row
    rows: list[ParsedRow]
    blank: int


@dataclasses.dataclass
class Prepared:
    """A batch ready for the bulk services: rows grouped into records, customers cleaned."""

    phase: int
    end: int  # 0-based sheet row index after the batch's last row
    row_count: int  # rows with values; blank rows are counted in `blank`
    blank: int
    problems: list[Problem]
    # Rows rejected before the bulk services, for problems found while reading them.
    rejected: list[bulk.RowResult]
    customers: list[bulk.PreparedCustomer] = dataclasses.field(default_factory=list)
    # Continuation rows: row number -> the row number of their customer.
    followers: dict[int, int] = dataclasses.field(default_factory=dict)
    contact_rows: list[bulk.IncomingContactRow] = dataclasses.field(default_factory=list)
    follow_ups: list[IncomingFollowUp] = dataclasses.field(default_factory=list)
    products: list[sales_bulk.IncomingProduct] = dataclasses.field(default_factory=list)
    deals: list[sales_bulk.IncomingDeal] = dataclasses.field(default_factory=list)
    contracts: list[IncomingContract] = dataclasses.field(default_factory=list)
    users: list[org_bulk.IncomingUser] = dataclasses.field(default_factory=list)


class Preparer:
    """The reader of one sheet for one import pass, which prepares its batches.

    Build it inside a custom fields snapshot: it reads the customer and contact fields into the
    snapshot, so preparing batches needs no database afterwards.
    """

    def __init__(
        self,
        kind: str,
        sheet: Sheet,
        header: Header,
        targets: list[str],
        actor: User,
        *,
        dry_run: bool,
    ) -> None:
        fields_for(FieldTarget.CUSTOMER)
        fields_for(FieldTarget.CONTACT)
        self.kind = kind
        self.sheet = sheet
        self.parser = RowParser(kind, sheet, header, targets, actor)
        self.dry_run = dry_run
        # A team roster is one batch, so a row may name as manager the user of any row, and
        # the dry run checks every user the import adds. Rosters run to hundreds of rows, not
        # the hundreds of thousands of a customer file.
        self.batch_rows = len(sheet.rows) + 1 if kind == ImportKind.USERS else BATCH_ROWS

    @property
    def phases(self) -> list[int]:
        """Return the phases of the import: phase 1 only has rows with a parent company column.

        Phase 0 writes the customer rows. Phase 1 writes the contact rows that name their
        company in a "company of this contact" column (Odoo-style child rows), so a contact row
        may come before or after its company in the file.
        """
        if self.kind == ImportKind.CUSTOMERS and PARENT in self.parser.by_target:
            return [0, 1]
        return [0]

    def prepared(self, phase: int, start: int) -> Generator[Prepared, None, None]:
        """Yield the prepared batches of one phase from 0-based sheet row `start`.

        Large sheets are prepared in a child process one batch ahead. Close the returned
        generator when done with it, so the child stops.
        """
        batches = (self.prepare(batch) for batch in self.batches(phase, start))
        data_rows = len(self.sheet.rows) - self.parser.first_index
        if data_rows > PREFETCH_MIN_ROWS and prefetch.can_fork():
            return prefetch.prefetched(batches)
        return batches

    def batches(self, phase: int, start: int) -> Iterator[Batch]:
        """Yield batches of one phase from 0-based sheet row `start`.

        A batch never ends right before a row that continues the previous row's customer (no
        customer name, only contact values), so such rows always land with their customer.
        """
        if phase not in self.phases:
            return
        rows: list[ParsedRow] = []
        blank = 0
        index = max(start, self.parser.first_index)
        total = len(self.sheet.rows)
        while index < total:
            row = self.parser.parse(index)
            continues = self._continues(row)
            if len(rows) + blank >= self.batch_rows and not continues:
                yield Batch(phase, index, rows, blank)
                rows, blank = [], 0
            index += 1
            if not row.values and not row.problems:
                blank += phase == 0
                continue
            if self._belongs_to(row, phase):
                rows.append(row)
        if rows or blank:
            yield Batch(phase, total, rows, blank)

    def _belongs_to(self, row: ParsedRow, phase: int) -> bool:
        is_child = self.kind == ImportKind.CUSTOMERS and PARENT in row.values
        return is_child == (phase == 1)

    def _continues(self, row: ParsedRow) -> bool:
        """Return whether the row only adds a contact to the customer of the row above.

        That is a row whose customer cells are all empty but whose contact cells are not, as
        exports that list several contacts under one customer write them.
        """
        return (
            self.kind == ImportKind.CUSTOMERS and not row.has("customer.") and row.has("contact.")
        )

    def prepare(self, batch: Batch) -> Prepared:
        """Group the batch's rows into the records of its kind of import."""
        prepared = Prepared(batch.phase, batch.end, len(batch.rows), batch.blank, [], [])
        if self.kind == ImportKind.CONTACTS:
            self._contact_rows(batch, prepared, "customer.name")
        elif self.kind == ImportKind.FOLLOW_UPS:
            self._follow_ups(batch, prepared)
        elif self.kind == ImportKind.PRODUCTS:
            self._products(batch, prepared)
        elif self.kind == ImportKind.DEALS:
            self._deals(batch, prepared)
        elif self.kind == ImportKind.CONTRACTS:
            self._contracts(batch, prepared)
        elif self.kind == ImportKind.USERS:
            self._users(batch, prepared)
        elif batch.phase == 1:
            self._contact_rows(batch, prepared, PARENT)
        else:
            self._customers(batch, prepared)
        return prepared

    def _reject(self, row: ParsedRow, prepared: Prepared) -> None:
        prepared.rejected.append(bulk.RowResult(row.number, bulk.REJECTED))

    def _customers(self, batch: Batch, prepared: Prepared) -> None:
        items: list[bulk.IncomingCustomer] = []
        current: bulk.IncomingCustomer | None = None
        current_rejected = 0

        for row in batch.rows:
            if self._continues(row) and (current is not None or current_rejected):
                if current is not None and not row.problems:
                    current.contacts.append(bulk.IncomingContact(row.number, contact_values(row)))
                    prepared.followers[row.number] = current.row
                    continue
                prepared.problems.extend(row.problems)
                if not row.problems:
                    message = _("Not imported because row %(row)d of its customer was rejected.")
                    prepared.problems.append(
                        Problem(row.number, "", "", message % {"row": current_rejected})
                    )
                self._reject(row, prepared)
                continue

            if row.problems:
                prepared.problems.extend(row.problems)
                self._reject(row, prepared)
                current, current_rejected = None, row.number
                continue

            current = _incoming_customer(row)
            current_rejected = 0
            items.append(current)

        # A dry run writes nothing, so it needs no search index values.
        prepared.customers = bulk.prepare_customers(items, with_search=not self.dry_run)

    def _contact_rows(self, batch: Batch, prepared: Prepared, name_target: str) -> None:
        for row in batch.rows:
            if row.problems:
                prepared.problems.extend(row.problems)
                self._reject(row, prepared)
                continue
            values = contact_values(row)
            if name_target == PARENT and "name" not in values and "customer.name" in row.values:
                # An Odoo-style child row names the person in the same column as a company.
                values["name"] = row.values["customer.name"]
            prepared.contact_rows.append(
                bulk.IncomingContactRow(row.number, str(row.values.get(name_target, "")), values)
            )

    def _follow_ups(self, batch: Batch, prepared: Prepared) -> None:
        for row in batch.rows:
            if row.problems:
                prepared.problems.extend(row.problems)
                self._reject(row, prepared)
                continue
            values = prefixed_values(row, "follow_up.")
            author = values.pop("author", None)
            prepared.follow_ups.append(
                IncomingFollowUp(
                    row.number, str(row.values.get("customer.name", "")), values, author
                )
            )

    def _accepted(self, batch: Batch, prepared: Prepared) -> Iterator[ParsedRow]:
        """Yield the batch's rows without reading problems; reject the others."""
        for row in batch.rows:
            if row.problems:
                prepared.problems.extend(row.problems)
                self._reject(row, prepared)
                continue
            yield row

    def _products(self, batch: Batch, prepared: Prepared) -> None:
        for row in self._accepted(batch, prepared):
            values = prefixed_values(row, "product.")
            prepared.products.append(sales_bulk.IncomingProduct(row.number, values))

    def _deals(self, batch: Batch, prepared: Prepared) -> None:
        for row in self._accepted(batch, prepared):
            values = prefixed_values(row, "deal.")
            line = prefixed_values(row, "deal_line.")
            owner = values.pop("owner", None)
            created_at = values.pop("created_at", None)
            prepared.deals.append(
                sales_bulk.IncomingDeal(
                    row.number,
                    values,
                    customer_name=str(row.values.get("customer.name", "")),
                    credit_code=str(row.values.get("customer.credit_code", "")),
                    product=str(line.pop("product", "")),
                    line=line,
                    owner=owner,
                    created_at=created_at,
                )
            )

    def _contracts(self, batch: Batch, prepared: Prepared) -> None:
        for row in self._accepted(batch, prepared):
            values = prefixed_values(row, "contract.")
            prepared.contracts.append(
                IncomingContract(
                    row.number,
                    values,
                    customer_name=str(row.values.get("customer.name", "")),
                    credit_code=str(row.values.get("customer.credit_code", "")),
                    deal=str(values.pop("deal", "")),
                    owner=values.pop("owner", None),
                    payment=prefixed_values(row, "payment."),
                )
            )

    def _users(self, batch: Batch, prepared: Prepared) -> None:
        for row in self._accepted(batch, prepared):
            values = {key: str(value) for key, value in prefixed_values(row, "user.").items()}
            prepared.users.append(org_bulk.IncomingUser(row.number, values))


def _incoming_customer(row: ParsedRow) -> bulk.IncomingCustomer:
    contact = contact_values(row)
    if contact and "name" not in contact and "customer.name" in row.values:
        # Phones or emails without a contact name go to a contact named after the customer.
        contact["name"] = row.values["customer.name"]
    return bulk.IncomingCustomer(
        row=row.number,
        values=customer_values(row),
        contacts=[bulk.IncomingContact(row.number, contact)] if contact else [],
        has_owner="customer.owner" in row.values,
        owner=row.values.get("customer.owner"),
        creator=row.values.get("customer.creator"),
        created_at=row.values.get("customer.created_at"),
    )
