"""A quote version as one viewer may see it: the content of the printable page and of the PDF.

Both channels render a `QuoteSheet`, so the field policy is applied once, here. Money follows the
deal field policy (docs/decisions/0011-quotes.md): a line's amounts follow "deal_line.unit_price",
the version's totals follow "deal.amount". A hidden amount is None and left out; a masked one is
its masked text.
"""

import dataclasses

from django.http import Http404
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from kehu.core.money import quantity_text
from kehu.customers.models import Contact
from kehu.customers.queries import visible_contacts
from kehu.fields.models import FieldTarget
from kehu.fields.registry import field_map
from kehu.org.models import Department, User
from kehu.org.policy import FieldPolicy, policy_for
from kehu.sales.models import Quote, QuoteLine, QuoteVersion
from kehu.web.deal_display import customer_name, shown_value
from kehu.web.display import record_name, shown_text

PRICE = (FieldTarget.DEAL_LINE, "unit_price")
TOTAL = (FieldTarget.DEAL, "amount")


@dataclasses.dataclass(frozen=True)
class SheetLine:
    """One quote line as text; an amount is None when the viewer's role hides prices."""

    description: str
    quantity: str
    unit: str
    discount_percent: str
    tax_percent: str
    unit_price: str | None
    subtotal: str | None
    discount: str | None
    tax: str | None
    total: str | None


@dataclasses.dataclass(frozen=True)
class QuoteSheet:
    """Everything a printed quote version shows, with the viewer's field policy applied."""

    quote: Quote
    version: QuoteVersion
    # The name of the top department, which is the company: the letterhead.
    company_name: str
    number: str
    title: str
    status: str
    customer_name: str
    # The customer's primary contact (or first contact) with a phone number; "" without one.
    contact: str
    date: str
    valid_until: str
    is_current: bool
    lines: list[SheetLine]
    shows_prices: bool
    # (label, text) of subtotal, discount, tax and total; empty when the role hides amounts.
    totals: list[tuple[str, str]]
    notes: str

    @property
    def facts(self) -> list[tuple[str, str]]:
        """Return the (label, text) pairs under the title; contact and validity when present."""
        version = str(self.version.number)
        if not self.is_current:
            version = _("%(number)s (earlier version)") % {"number": version}
        facts = [
            (_("Quote number"), self.number),
            (_("Version"), version),
            (_("Customer"), self.customer_name),
            # Without a context "Status" is translated as the customer's status.
            (pgettext("quote", "Status"), self.status),
        ]
        if self.contact:
            facts.append((_("Contact"), self.contact))
        facts.append((_("Date"), self.date))
        if self.valid_until:
            facts.append((_("Valid until"), self.valid_until))
        return facts

    @property
    def headings(self) -> list[str]:
        """Return the line table's column headings; the amount columns only with prices."""
        headings = [_("Item"), _("Quantity"), _("Unit")]
        if self.shows_prices:
            headings.append(_("Unit price"))
        headings += [_("Discount %"), _("Tax rate %")]
        if self.shows_prices:
            headings += [_("Amount"), _("Tax"), pgettext("quote line", "Total")]
        return headings

    @property
    def rows(self) -> list[list[str]]:
        """Return the line table's cells, in the order of `headings`."""
        rows = []
        for line in self.lines:
            cells = [line.description, line.quantity, line.unit]
            if self.shows_prices:
                cells.append(line.unit_price or "")
            cells += [line.discount_percent, line.tax_percent]
            if self.shows_prices:
                cells += [line.subtotal or "", line.tax or "", line.total or ""]
            rows.append(cells)
        return rows

    @property
    def file_name(self) -> str:
        """Return the download name: the quote number, and the version for an earlier one."""
        if self.is_current:
            return f"{self.number}.pdf"
        return f"{self.number}-v{self.version.number}.pdf"


def quote_version(quote: Quote, number: int | None) -> QuoteVersion:
    """Return the version `number` of `quote`, the current one for None; raise 404 if missing."""
    chosen = quote.current_version if number is None else number
    version = quote.versions.filter(number=chosen).first()
    if version is None:
        raise Http404
    return version


def requested_version(text: str) -> int | None:
    """Return the version number a page's ?version= names; other text names the current one."""
    return int(text) if text.isdigit() else None


def company_name() -> str:
    # The top department is the company, whose name heads the printed quote.
    company = Department.objects.filter(parent=None).order_by("pk").first()
    return company.name if company else ""


def _contact_text(policy: FieldPolicy, contact: Contact | None) -> str:
    if contact is None:
        return ""
    specs = field_map(FieldTarget.CONTACT)
    name = record_name(policy, FieldTarget.CONTACT, specs, contact)
    phone = ""
    for key in ("mobile", "phone"):
        text = shown_text(policy, FieldTarget.CONTACT, specs[key], contact)
        if text:
            phone = text
            break
    return f"{name} {phone}" if phone else name


def _line(policy: FieldPolicy, line: QuoteLine) -> SheetLine:
    amounts = line.amounts
    unit = ""
    if line.product is not None:
        unit = shown_value(policy, FieldTarget.PRODUCT, "unit", line.product.unit) or ""
    return SheetLine(
        description=line.description,
        quantity=quantity_text(line.quantity),
        unit=unit,
        discount_percent=str(line.discount_percent),
        tax_percent=str(line.tax_percent),
        unit_price=shown_value(policy, *PRICE, line.unit_price),
        subtotal=shown_value(policy, *PRICE, amounts.subtotal),
        discount=shown_value(policy, *PRICE, amounts.discount),
        tax=shown_value(policy, *PRICE, amounts.tax),
        total=shown_value(policy, *PRICE, amounts.total),
    )


def _totals(policy: FieldPolicy, version: QuoteVersion) -> list[tuple[str, str]]:
    fields = QuoteVersion._meta
    totals = []
    for label, value in (
        (fields.get_field("subtotal").verbose_name, version.subtotal),
        (fields.get_field("discount").verbose_name, version.discount),
        (fields.get_field("tax").verbose_name, version.tax),
        (fields.get_field("total").verbose_name, version.total),
    ):
        text = shown_value(policy, *TOTAL, value)
        if text is not None:
            totals.append((capfirst(str(label)), text))
    return totals


def quote_sheet(user: User, quote: Quote, version: QuoteVersion) -> QuoteSheet:
    """Build the sheet of `version` for `user`, who must be able to see `quote`.

    Callers load the quote through the visibility layer. The contact is read through it too.
    """
    policy = policy_for(user)
    contact = visible_contacts(user).filter(customer=quote.customer).first()
    lines = version.lines.select_related("product")
    return QuoteSheet(
        quote=quote,
        version=version,
        company_name=company_name(),
        number=quote.number,
        title=version.title,
        status=quote.get_status_display(),
        customer_name=customer_name(policy, quote.customer),
        contact=_contact_text(policy, contact),
        date=timezone.localtime(version.created_at).strftime("%Y-%m-%d"),
        valid_until=version.valid_until.isoformat() if version.valid_until else "",
        is_current=version.number == quote.current_version,
        lines=[_line(policy, line) for line in lines],
        shows_prices=shown_value(policy, *PRICE, 0) is not None,
        totals=_totals(policy, version),
        notes=version.notes,
    )
