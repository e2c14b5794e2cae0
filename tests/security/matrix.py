"""The permission matrix's vocabulary: entries, the cases they expand to, and sending a case.

An Entry describes one route and method: how to name a record in its URL, what to send, and the
status each persona gets for a record inside and outside their scope. Routes are enumerated from
the URL configuration, so a route without an entry, or an entry without a route, fails the matrix.
"""

import dataclasses
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from kehu.api.main import api
from tests.security.callers import Answer, answer_of, call_api, page_client
from tests.security.world import ANONYMOUS, READER, Records, World

# Builds a form or JSON body, or a query, from the world, the acting role and the records.
Builder = Callable[[World, str, Records], dict[str, Any]]
# Targets that settings pages edit. They are the same records in every scope.
SETTINGS_TARGETS = (
    "field",
    "user",
    "department",
    "role",
    "pipeline",
    "stage",
    "campaign",
    "intake_key",
    "edited_pool",
    "rule",
)
# API path parameters that name a settings record, and the target each stands for.
SETTINGS_PARAMETERS = {"pipeline_id": "pipeline", "stage_id": "stage"}
PARAMETER = re.compile(r"<(?:(\w+):)?(\w+)>")
API_PREFIX = "api/"


@dataclasses.dataclass(frozen=True)
class Entry:
    """One route and method of the matrix.

    `expect` maps each persona to the status of a request naming its in-scope record, then
    "/" and the status for the out-of-scope one when the route names records ("200/404").
    `target` names the record a web route's <public_id> stands for: one of the scope's records
    (customer, contact, follow_up, attachment, share, import, view, pool, pool_customer) or a
    settings record (field, user, department, role, pipeline, stage, edited_pool, rule). API
    routes name theirs (<customer_id>, <contact_id>, <pipeline_id>...).
    `shows` names the text an in-scope success must contain: "name", "contact", "follow_up",
    "file", "import", "deal", "ticket", "lead" or "pool_customer". `writes` marks routes whose
    success must change the database, and the GETs that record the read (opening a pool
    customer counts against the pool's daily open limit).
    `reader` is the status for the colleague who holds a read-only share of the in-scope
    customer (see world.READER); every route that names a customer's record sets it.
    """

    route: str
    name: str
    method: str
    expect: Mapping[str, str]
    target: str = ""
    params: Mapping[str, str] = dataclasses.field(default_factory=dict)
    data: Builder | None = None
    query: Builder | None = None
    shows: str = ""
    writes: bool = False
    # The path to request, for routes that are regular expressions.
    path: str = ""
    # Pages that echo the request (a search query, or the path in the language switch) differ
    # from a missing record's page in that text only.
    echoes_query: bool = False
    reader: str = ""

    @property
    def is_api(self) -> bool:
        return self.route.startswith(API_PREFIX)

    def status(self, role: str, scope: str) -> int | None:
        """Return the expected status, or None when the case does not exist."""
        if role == READER:
            return int(self.reader) if self.reader and scope == "in" else None
        parts = self.expect[role].split("/")
        if scope == "in":
            return int(parts[0])
        return int(parts[1]) if len(parts) > 1 else None

    @property
    def key(self) -> tuple[str, str]:
        return (self.route, self.name)


def expect(boss: str, manager: str, rep: str, agent: str, anonymous: str) -> dict[str, str]:
    return {"boss": boss, "manager": manager, "rep": rep, "agent": agent, ANONYMOUS: anonymous}


def every(status: str, anonymous: str) -> dict[str, str]:
    """Return the same expectation for every persona, and another one for the signed-out.

    The boss gets the in-scope part only, having no record outside their scope.
    """
    return expect(status.split("/")[0], status, status, status, anonymous)


def constant(values: dict[str, Any]) -> Builder:
    """Return a builder that sends the same `values` for every role and record."""

    def build(world: World, role: str, records: Records) -> dict[str, Any]:
        return dict(values)

    return build


# The record ids a route parameter takes, by the entry's target or the API parameter name.
_RECORD_IDS = {
    "customer": "customer",
    "contact": "contact",
    "follow_up": "follow_up",
    "attachment": "attachment",
    "share": "share",
    "import": "import_job",
    "view": "saved_view",
    "customer_id": "customer",
    "contact_id": "contact",
    "follow_up_id": "follow_up",
    "share_id": "share",
    "deal": "deal",
    "deal_id": "deal",
    "product": "product",
    "product_id": "product",
    "quote": "quote",
    "quote_id": "quote",
    "contract": "contract",
    "contract_id": "contract",
    "contract_file": "contract_file",
    "draft_contract": "draft_contract",
    "pending_contract": "pending_contract",
    "receipt_id": "receipt",
    "ticket": "ticket",
    "ticket_id": "ticket",
    "lead": "lead",
    "lead_id": "lead",
    "pool_lead": "pool_lead",
    "pool": "pool",
    "pool_id": "pool",
    "pool_customer": "pool_customer",
    "person": "person",
    "handover": "handover",
    "handover_id": "handover",
    "offboarding": "offboarding",
}


@dataclasses.dataclass(frozen=True)
class Call:
    method: str
    path: str
    data: dict[str, Any] | None
    query: dict[str, Any] | None


def build_call(entry: Entry, world: World, role: str, records: Records) -> Call:
    """Return the request of `entry` for `role`, naming `records`."""

    def value(match: re.Match[str]) -> str:
        name = match.group(2)
        if name in entry.params:
            return entry.params[name]
        if name == "public_id" and entry.target in SETTINGS_TARGETS:
            return world.settings_id(entry.target)
        if name in SETTINGS_PARAMETERS:
            return world.settings_id(SETTINGS_PARAMETERS[name])
        # An API entry may name the record its id stands for, like the draft contract.
        key = entry.target if name == "public_id" or (entry.is_api and entry.target) else name
        return str(getattr(records, _RECORD_IDS[key]))

    path = entry.path or "/" + PARAMETER.sub(value, entry.route)
    data = entry.data(world, role, records) if entry.data else None
    query = entry.query(world, role, records) if entry.query else None
    return Call(entry.method, path, data, query)


def client_for(entry: Entry, world: World, role: str) -> Client:
    """Return the client that sends `entry`'s requests as `role`.

    Pages use a signed-in session. The API uses the role's bearer token, which `send` adds, so
    its client has no session. Sign in before taking a snapshot: signing in sets last_login.
    """
    return page_client(None if entry.is_api else world.user(role))


def send(client: Client, entry: Entry, world: World, role: str, call: Call) -> Answer:
    """Send `call` through `client_for`'s client; API calls carry the role's token."""
    if entry.is_api:
        token = world.tokens[role] if world.user(role) is not None else None
        return call_api(token, call.method, call.path, call.data, call.query)
    if call.method == "GET":
        response = client.get(call.path, call.query)
    elif call.method == "POST":
        response = client.post(call.path, call.data or {}, query_params=call.query)
    else:
        response = client.generic(call.method, call.path, query_params=call.query)
    return answer_of(response)


def _walk(
    patterns: list[URLPattern | URLResolver], prefix: str = "", namespace: str = ""
) -> Iterator[tuple[str, str]]:
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
            yield from _walk(list(pattern.url_patterns), route, inner)
        elif pattern.name:
            yield route, namespace + pattern.name
        else:
            yield route, ""


def url_routes() -> set[tuple[str, str]]:
    """Return every (route, URL name) the URL configuration resolves; django-ninja gives one
    pattern per operation, so operations sharing a path differ by name."""
    return set(_walk(get_resolver().url_patterns))


def api_operations() -> set[tuple[str, str]]:
    """Return (route, method) of every operation in the API's OpenAPI schema."""
    schema = api.get_openapi_schema()
    found = set()
    for path, operations in schema["paths"].items():
        route = path.lstrip("/").replace("{", "<").replace("}", ">")
        for method in operations:
            found.add((route, method.upper()))
    return found
