"""Customer search: index maintenance and queries.

SearchDocument contains every searchable value of a customer in one text, indexed by trigrams
(SQLite FTS5's trigram tokenizer, PostgreSQL's pg_trgm). Any fragment of three or more
characters is found there: part of a name, a phone fragment, the last four digits, an email
part, pinyin.

Trigrams cannot find one- or two-character queries, yet most Chinese personal names have two
characters, so a query such as 王芳 or 王 must find every customer whose name or contact name
starts with it. Each value in the text starts with two newlines (VALUE_START). On SQLite the
trigram of the newlines and a value's first character, or of one newline and its first two,
is in the FTS5 index, so short queries use it too. pg_trgm ignores newlines, so on PostgreSQL
SearchKey keeps each whole value in a B-tree index, matched by prefix.

The index mixes the values of every searchable field. For a user whose role hides or masks one,
`search_readable` uses the index only to find candidates and checks each candidate against the
values that user may read whole.
"""

import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache

from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL
from pypinyin import lazy_pinyin
from pypinyin.seg.simpleseg import seg

from kehu.customers.models import Contact, Customer, SearchDocument, SearchKey
from kehu.customers.normalize import fold_width, phone_digits, without_legal_form
from kehu.fields.models import FieldTarget
from kehu.fields.registry import builtin_fields
from kehu.org.policy import FieldPolicy

# Starts each value in a SearchDocument: no trigram of a query spans two values, and a short
# query padded with newlines finds the values it starts (see `_term_filter`).
VALUE_START = "\n\n"
FTS_TABLE = "customers_search_fts"
TRIGRAM = 3
# Terms of a query that are matched; the rest of a long query is ignored.
MAX_TERMS = 5
# Candidates a restricted search checks at most (see `search_readable`). Checking one took
# about 75 us, mostly pinyin conversion, on the bench database (1,000,000 customers from
# bench.generate) on a 2-core machine, so the cap bounds the check at about 0.15 s there.
VERIFY_LIMIT = 2000
# The fields `index_values` reads, in its order; their registry keys are the model attributes.
_CUSTOMER_COLUMNS = ("name", "short_name", "credit_code")
_CONTACT_COLUMNS = ("name", "mobile", "phone", "email", "wechat")
SEARCHABLE_FIELDS = (
    *((FieldTarget.CUSTOMER, key) for key in _CUSTOMER_COLUMNS),
    *((FieldTarget.CONTACT, key) for key in _CONTACT_COLUMNS),
)


@lru_cache(maxsize=65536)
def _word_syllables(word: str) -> tuple[str, ...]:
    return tuple(lazy_pinyin(word, errors="ignore"))


@lru_cache(maxsize=65536)
def pinyin_forms(text: str) -> tuple[str, str]:
    """Return (full pinyin, initials) of the Chinese characters in `text`; others are dropped.

    A character with several readings gets pypinyin's reading for the word it is in (重庆 reads
    chongqing, 银行 yinhang), else its most common one, an accepted miss for a search aid.

    pypinyin (0.55) splits a text into words and converts each word on its own, so converting
    word by word gives its result for the whole text. Words repeat across names, such as 有限公司,
    科技 and city names, and are cached. Converting a whole company name took about 0.23 ms, a
    large part of an import's time per row.
    """
    syllables = [s.lower() for word in seg(text) for s in _word_syllables(word) if s.strip()]
    syllables = [s for s in syllables if s.isascii() and s.isalnum()]
    return "".join(syllables), "".join(s[0] for s in syllables)


def _clean(value: str) -> str:
    return fold_width(value).lower().strip()


def customer_values(customer: Customer, contacts: Sequence[Contact]) -> list[str]:
    """Return the whole searchable values of a customer and its contacts, normalised."""
    return index_values(
        customer.name,
        customer.short_name,
        customer.credit_code,
        [(c.name, c.mobile, c.phone, c.email, c.wechat) for c in contacts],
    )


def index_values(
    name: str,
    short_name: str,
    credit_code: str,
    contacts: Iterable[tuple[str, str, str, str, str]],
) -> list[str]:
    """Return the searchable values of a customer given as plain values, normalised.

    Each contact is (name, mobile, phone, email, wechat). The batch importer calls this with
    cleaned values instead of model instances.
    """
    values: list[str] = []
    for text in (name, short_name):
        if not text:
            continue
        values.append(_clean(text))
        full, initials = pinyin_forms(without_legal_form(text))
        values.extend(v for v in (full, initials) if v)
    if credit_code:
        values.append(credit_code.lower())
    for contact_name, mobile, phone, email, wechat in contacts:
        if contact_name:
            values.append(_clean(contact_name))
            # An import names a contact after its company when the row has no contact name.
            full, initials = pinyin_forms(without_legal_form(contact_name))
            values.extend(v for v in (full, initials) if v)
        for number in (mobile, phone_digits(phone)):
            if number:
                values.append(number.lstrip("+"))
        for text in (email, wechat):
            if text:
                values.append(_clean(text))
    seen: set[str] = set()
    unique: list[str] = []
    for value in values:
        # A newline inside a value would look like the start of another one.
        value = " ".join(value[:200].split())
        if value and value not in seen:
            seen.add(value)
            unique.append(value)
    return unique


def rebuild(customer_ids: Iterable[int]) -> None:
    """Rebuild the search index rows of the given customers from their current data.

    Callers run this inside the transaction that changed the customers or their contacts.
    """
    ids = list(customer_ids)
    if not ids:
        return
    customers = Customer.objects.filter(pk__in=ids).only("pk", "name", "short_name", "credit_code")
    contacts_by_customer: dict[int, list[Contact]] = {}
    for contact in Contact.objects.filter(customer_id__in=ids).only(
        "customer_id", "name", "mobile", "phone", "email", "wechat"
    ):
        contacts_by_customer.setdefault(contact.customer_id, []).append(contact)
    documents = []
    keys: list[SearchKey] = []
    for customer in customers:
        values = customer_values(customer, contacts_by_customer.get(customer.pk, []))
        documents.append(SearchDocument(customer_id=customer.pk, text=document_text(values)))
        if stores_prefix_keys():
            keys.extend(SearchKey(customer_id=customer.pk, value=value) for value in values)
    write_index(ids, documents, keys, replace=True)


def document_text(values: Iterable[str]) -> str:
    """Return the SearchDocument text of a customer's index values."""
    return "".join(VALUE_START + value for value in values)


def stores_prefix_keys() -> bool:
    """Return whether short queries need SearchKey rows: on PostgreSQL, not on SQLite."""
    return connection.vendor != "sqlite"


def write_index(
    ids: Sequence[int],
    documents: Sequence[SearchDocument],
    keys: Sequence[SearchKey],
    *,
    replace: bool,
) -> None:
    """Store prepared index rows; with `replace`, delete the old rows of `ids` first."""
    if replace:
        if stores_prefix_keys():
            SearchKey.objects.filter(customer_id__in=ids).delete()
        SearchDocument.objects.filter(customer_id__in=ids).delete()
    SearchDocument.objects.bulk_create(documents, batch_size=500)
    SearchKey.objects.bulk_create(keys, batch_size=1000)


def query_terms(query: str) -> list[str]:
    """Split a query into normalised terms; a phone typed with spaces or dashes becomes digits.

    Control characters such as NUL become spaces: no indexed value contains one, and FTS5
    rejects a NUL inside a query string.
    """
    text = _clean("".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in query))
    digits = phone_digits(text)
    if len(digits) >= TRIGRAM and not any(ch.isalpha() for ch in text):
        return [digits]
    return text.split()


def _term_filter(term: str) -> Q:
    if connection.vendor == "sqlite":
        if len(term) < TRIGRAM:
            # One trigram: the newlines before a value and the term at its start.
            term = "\n" * (TRIGRAM - len(term)) + term
        # FTS5 reads a double-quoted string as one phrase; inner quotes are doubled.
        phrase = '"' + term.replace('"', '""') + '"'
        sql = f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s"
        return Q(pk__in=RawSQL(sql, [phrase]))
    if len(term) < TRIGRAM:
        prefix = Q(value__gte=term, value__lt=term + "\U0010ffff")
        return Q(pk__in=SearchKey.objects.filter(prefix).values("customer_id"))
    return Q(pk__in=SearchDocument.objects.filter(text__contains=term).values("customer_id"))


def matching_filter(query: str) -> Q | None:
    """Return a filter on Customer matching every term of `query`, or None for an empty query."""
    terms = query_terms(query)
    if not terms:
        return None
    condition = Q()
    for term in terms[:MAX_TERMS]:
        condition &= _term_filter(term)
    return condition


def search(queryset: QuerySet[Customer], query: str) -> QuerySet[Customer]:
    """Narrow an already visible queryset to the customers matching `query`."""
    condition = matching_filter(query)
    if condition is None:
        return queryset
    return queryset.filter(condition)


def unsearchable_fields(policy: FieldPolicy) -> list[tuple[str, str]]:
    """Return the searchable fields, as (target, key), that `policy` does not let be read whole."""
    withheld: list[tuple[str, str]] = []
    for target in (FieldTarget.CUSTOMER, FieldTarget.CONTACT):
        keys = {key for field_target, key in SEARCHABLE_FIELDS if field_target == target}
        for spec in builtin_fields(target):
            if spec.key in keys and not policy.reads_whole(target, spec):
                withheld.append((target, spec.key))
    return withheld


def _term_matches(term: str, values: Sequence[str]) -> bool:
    # The same rules as the index: a fragment of three or more characters anywhere in a value,
    # a shorter term at the start of a whole value.
    if len(term) < TRIGRAM:
        return any(value.startswith(term) for value in values)
    return any(term in value for value in values)


def _without(values: tuple[str, ...], blanked: Sequence[int]) -> tuple[str, ...]:
    return tuple("" if index in blanked else value for index, value in enumerate(values))


def search_readable(
    policy: FieldPolicy,
    queryset: QuerySet[Customer],
    query: str,
    *,
    verify_limit: int = VERIFY_LIMIT,
) -> QuerySet[Customer]:
    """Narrow a visible queryset to the customers matching `query` on values the user may read.

    When the policy lets the user read every searchable field whole, this is `search()`, with
    the same single query. Otherwise a customer must not match through a hidden or masked value
    (the last four digits of a masked mobile, for example). The index still selects the
    candidates, and each candidate's readable values are checked in Python with the index's
    rules: names with their pinyin and initials, phone digits, emails and WeChat IDs.

    At most `verify_limit` candidates are checked, the newest (highest id) first. Above the cap,
    older customers that match are left out of the result, and of its count, until the query
    is narrowed. Every customer returned does match on readable values.
    """
    condition = matching_filter(query)
    if condition is None:
        return queryset
    withheld = unsearchable_fields(policy)
    if not withheld:
        return queryset.filter(condition)

    # Positions, in the value tuples read below, of the fields the user may not search.
    customer_blanked = [
        _CUSTOMER_COLUMNS.index(key) for target, key in withheld if target == FieldTarget.CUSTOMER
    ]
    contact_blanked = [
        _CONTACT_COLUMNS.index(key) for target, key in withheld if target == FieldTarget.CONTACT
    ]
    candidates = list(
        queryset.filter(condition)
        .order_by("-pk")
        .values_list("pk", *_CUSTOMER_COLUMNS)[:verify_limit]
    )
    contacts_by_customer: dict[int, list[tuple[str, str, str, str, str]]] = {}
    rows = Contact.objects.filter(customer_id__in=[row[0] for row in candidates]).values_list(
        "customer_id", *_CONTACT_COLUMNS
    )
    for customer_id, *contact in rows:
        name, mobile, phone, email, wechat = _without(tuple(contact), contact_blanked)
        contacts_by_customer.setdefault(customer_id, []).append(
            (name, mobile, phone, email, wechat)
        )

    terms = query_terms(query)[:MAX_TERMS]
    matched = []
    for pk, *columns in candidates:
        name, short_name, credit_code = _without(tuple(columns), customer_blanked)
        values = index_values(name, short_name, credit_code, contacts_by_customer.get(pk, []))
        if all(_term_matches(term, values) for term in terms):
            matched.append(pk)
    return queryset.filter(pk__in=matched)
