"""Every route against every preset role, for records inside and outside the role's scope.

The routes come from the URL configuration and the API's OpenAPI schema, so a new route without
an entry in one of the matrix_* modules fails `test_every_route_has_an_entry`.
The colleague who has a read-only share of the in-scope customer is checked on the routes that
name a customer's records. Each case checks the status, that the response shows no record
outside the caller's scope (and, when denied, not the requested record either), that an outside
record gets exactly the response of a missing one, and that a denied request, or any GET that
does not record the read, changed no row.
"""

from typing import Any

import pytest

from kehu.org.models import Preset
from tests.security.callers import Answer
from tests.security.matrix import (
    Entry,
    api_operations,
    build_call,
    client_for,
    send,
    url_routes,
)
from tests.security.matrix_api import API_ENTRIES
from tests.security.matrix_assignment import ASSIGNMENT_PAGE_ENTRIES
from tests.security.matrix_handover import HANDOVER_API_ENTRIES, HANDOVER_PAGE_ENTRIES
from tests.security.matrix_leads import LEAD_API_ENTRIES, LEAD_PAGE_ENTRIES
from tests.security.matrix_pages import PAGE_ENTRIES
from tests.security.matrix_pipelines import PIPELINE_API_ENTRIES, PIPELINE_PAGE_ENTRIES
from tests.security.matrix_pool import POOL_API_ENTRIES, POOL_PAGE_ENTRIES
from tests.security.matrix_pool_sweep import POOL_SWEEP_PAGE_ENTRIES
from tests.security.matrix_sales import SALES_API_ENTRIES, SALES_PAGE_ENTRIES
from tests.security.matrix_service import SERVICE_API_ENTRIES, SERVICE_PAGE_ENTRIES
from tests.security.matrix_settings import SETTINGS_ENTRIES
from tests.security.world import (
    ANONYMOUS,
    READER,
    ROLES,
    SCOPES,
    Records,
    World,
    snapshot,
)

ENTRIES = [
    *PAGE_ENTRIES,
    *SETTINGS_ENTRIES,
    *API_ENTRIES,
    *SALES_PAGE_ENTRIES,
    *SALES_API_ENTRIES,
    *SERVICE_PAGE_ENTRIES,
    *SERVICE_API_ENTRIES,
    *PIPELINE_PAGE_ENTRIES,
    *PIPELINE_API_ENTRIES,
    *LEAD_PAGE_ENTRIES,
    *LEAD_API_ENTRIES,
    *POOL_SWEEP_PAGE_ENTRIES,
    *POOL_PAGE_ENTRIES,
    *POOL_API_ENTRIES,
    *ASSIGNMENT_PAGE_ENTRIES,
    *HANDOVER_PAGE_ENTRIES,
    *HANDOVER_API_ENTRIES,
]
PERSONAS = (*ROLES, ANONYMOUS)
# Web route targets that are a customer or one of its records.
CUSTOMER_TARGETS = ("customer", "contact", "follow_up", "attachment", "share", "deal", "ticket")
# Statuses that refuse the caller: no text of the requested records may appear in the body.
DENIED = (401, 403, 404, 405)
LOGIN = "/login/"
# API routes that django-ninja adds outside the OpenAPI schema, and the API's catch-all.
OUTSIDE_SCHEMA = {
    ("api/v1/docs/assets/<str:name>", "GET"),
    ("api/v1/openapi.json", "GET"),
    ("api/v1/docs", "GET"),
    ("api/v1/", "GET"),
    ("api/^(?P<rest>.*)$", "GET"),
}


def test_every_route_has_an_entry() -> None:
    routes = url_routes()
    listed = {entry.key for entry in ENTRIES}

    assert sorted(routes - listed) == [], "routes without an entry in the matrix"
    assert sorted(listed - routes) == [], "entries whose route no longer exists"


def test_every_api_operation_has_an_entry() -> None:
    operations = api_operations()
    listed = {(entry.route, entry.method) for entry in ENTRIES if entry.is_api}

    assert sorted(operations - listed) == [], "API operations without an entry"
    assert sorted(listed - operations - OUTSIDE_SCHEMA) == [], "entries without an operation"


def test_every_preset_has_a_persona() -> None:
    assert sorted(ROLES.values()) == sorted(Preset.values)


def test_every_entry_names_every_persona() -> None:
    for entry in ENTRIES:
        assert sorted(entry.expect) == sorted(PERSONAS), entry.key
        # The boss reaches everything and the signed-out reach nothing, so neither has a second
        # record to request.
        assert "/" not in entry.expect["boss"], entry.key
        assert "/" not in entry.expect[ANONYMOUS], entry.key
        assert len({entry.status(role, "out") is None for role in ROLES if role != "boss"}) == 1


def test_every_customer_record_entry_names_the_reader() -> None:
    unnamed = [
        (*entry.key, entry.method)
        for entry in ENTRIES
        if (entry.target in CUSTOMER_TARGETS or "<customer_id>" in entry.route) and not entry.reader
    ]

    assert unnamed == [], "entries without the read-only share holder's status"


def _cases() -> list[Any]:
    cases = []
    for entry in ENTRIES:
        for role in (*PERSONAS, READER):
            for scope in SCOPES:
                if entry.status(role, scope) is None:
                    continue
                label = f"{entry.method}:{entry.path or '/' + entry.route}:{role}:{scope}"
                cases.append(pytest.param(entry, role, scope, id=label))
    return cases


def _shown_text(entry: Entry, records: Records) -> str:
    return {
        "name": records.name,
        "contact": records.contact_name,
        "follow_up": records.follow_up_text,
        "file": records.file_text,
        "import": records.import_name,
        "deal": records.deal_name,
        "ticket": records.ticket_subject,
        "lead": records.lead_name,
        "pool_customer": records.pool_customer_name,
    }[entry.shows]


def _is_denied(answer: Answer) -> bool:
    """Return whether the answer refuses the caller, by status or by sending them to sign in."""
    return answer.status in DENIED or answer.location.startswith(LOGIN)


def _forbidden_texts(world: World, role: str, records: Records, answer: Answer) -> list[str]:
    """Return the texts the answer must not contain.

    Nobody but the boss may see any text of the outside records; a denied answer shows nothing
    of the records it names; the outside agent sees the in-scope mobile only masked.
    """
    texts: list[str] = []
    if role != "boss":
        texts.extend(world.records("out", role).secrets)
    if role == ANONYMOUS or _is_denied(answer):
        texts.extend(records.secrets)
    if role == "agent":
        texts.append(world.texts["in"]["mobile"])
    return texts


def _changed_tables(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return sorted(label for label in before if before[label] != after.get(label))


@pytest.mark.parametrize(("entry", "role", "scope"), _cases())
def test_route(world: World, entry: Entry, role: str, scope: str) -> None:
    records = world.records(scope, role)
    call = build_call(entry, world, role, records)
    expected = entry.status(role, scope)
    client = client_for(entry, world, role)
    before = snapshot()

    answer = send(client, entry, world, role, call)
    changed = _changed_tables(before, snapshot())

    assert answer.status == expected, answer.body[:2000]
    leaked = [
        text for text in _forbidden_texts(world, role, records, answer) if text in answer.body
    ]
    assert leaked == []
    succeeded = answer.status < 400 and not _is_denied(answer)
    if succeeded and scope == "in" and entry.shows:
        assert _shown_text(entry, records) in answer.body
    if not succeeded or (entry.method == "GET" and not entry.writes) or scope == "out":
        assert changed == [], "a denied request or a read changed rows"
    elif entry.writes:
        assert changed != [], "a successful write changed no row"
    if scope == "out":
        missing_call = build_call(entry, world, role, world.records("missing", role))
        missing = send(client, entry, world, role, missing_call)
        assert missing.status == answer.status, (
            "an outside record gets another response than a missing one"
        )
        if not entry.echoes_query:
            assert missing.body == answer.body, (
                "an outside record gets another response than a missing one"
            )
