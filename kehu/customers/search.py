"""Customer search: index maintenance and queries.

Two structures serve different query lengths:
- SearchDocument holds every searchable string of a customer in one text, indexed by trigrams
  (SQLite FTS5's trigram tokenizer, PostgreSQL's pg_trgm). Any fragment of three or more
  characters is found there: part of a name, a phone fragment, the last four digits, an email
  part, pinyin.
- SearchKey holds whole values (names, contact names, pinyin, initials, phones, emails) and is
  matched by prefix through a B-tree index. Trigrams cannot find one- or two-character queries,
  so a query such as 王芳 or 王 finds every customer whose name or contact name starts with it.
"""

from collections.abc import Iterable, Sequence
from functools import lru_cache

from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL
from pypinyin import lazy_pinyin
from pypinyin.seg.simpleseg import seg

from kehu.customers.models import Contact, Customer, SearchDocument, SearchKey
from kehu.customers.normalize import fold_width, phone_digits

# Separates the values in a SearchDocument so no trigram spans two values.
SEPARATOR = "\n"
FTS_TABLE = "customers_search_fts"
TRIGRAM = 3


@lru_cache(maxsize=65536)
def _word_syllables(word: str) -> tuple[str, ...]:
    return tuple(lazy_pinyin(word, errors="ignore"))


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
    values: list[str] = []
    for name in (customer.name, customer.short_name):
        if not name:
            continue
        values.append(_clean(name))
        full, initials = pinyin_forms(name)
        values.extend(v for v in (full, initials) if v)
    if customer.credit_code:
        values.append(customer.credit_code.lower())
    for contact in contacts:
        if contact.name:
            values.append(_clean(contact.name))
            full, initials = pinyin_forms(contact.name)
            values.extend(v for v in (full, initials) if v)
        for phone in (contact.mobile, phone_digits(contact.phone)):
            if phone:
                values.append(phone.lstrip("+"))
        for text in (contact.email, contact.wechat):
            if text:
                values.append(_clean(text))
    seen: set[str] = set()
    unique: list[str] = []
    for value in values:
        value = value[:200]
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
        documents.append(SearchDocument(customer_id=customer.pk, text=SEPARATOR.join(values)))
        keys.extend(SearchKey(customer_id=customer.pk, value=value) for value in values)
    write_index(ids, documents, keys, replace=True)


def write_index(
    ids: Sequence[int],
    documents: Sequence[SearchDocument],
    keys: Sequence[SearchKey],
    *,
    replace: bool,
) -> None:
    """Store prepared index rows; with `replace`, delete the old rows of `ids` first."""
    if replace:
        SearchKey.objects.filter(customer_id__in=ids).delete()
        SearchDocument.objects.filter(customer_id__in=ids).delete()
    SearchDocument.objects.bulk_create(documents, batch_size=500)
    SearchKey.objects.bulk_create(keys, batch_size=1000)


def query_terms(query: str) -> list[str]:
    """Split a query into normalised terms; a phone typed with spaces or dashes becomes digits."""
    text = _clean(query)
    digits = phone_digits(text)
    if len(digits) >= TRIGRAM and not any(ch.isalpha() for ch in text):
        return [digits]
    return text.split()


def _term_filter(term: str) -> Q:
    if len(term) < TRIGRAM:
        prefix = Q(value__gte=term, value__lt=term + "\U0010ffff")
        return Q(pk__in=SearchKey.objects.filter(prefix).values("customer_id"))
    if connection.vendor == "sqlite":
        # FTS5 reads a double-quoted string as one phrase; inner quotes are doubled.
        phrase = '"' + term.replace('"', '""') + '"'
        sql = f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s"
        return Q(pk__in=RawSQL(sql, [phrase]))
    return Q(pk__in=SearchDocument.objects.filter(text__contains=term).values("customer_id"))


def matching_filter(query: str) -> Q | None:
    """Return a filter on Customer matching every term of `query`, or None for an empty query."""
    terms = query_terms(query)
    if not terms:
        return None
    condition = Q()
    for term in terms[:5]:
        condition &= _term_filter(term)
    return condition


def search(queryset: QuerySet[Customer], query: str) -> QuerySet[Customer]:
    """Narrow an already visible queryset to the customers matching `query`."""
    condition = matching_filter(query)
    if condition is None:
        return queryset
    return queryset.filter(condition)
