"""Known ways to read a colleague's customer, each tried on the pages and on the API.

The target is the customer of the second rep, who works in the rep's department under the same
manager: the nearest customer the rep must not see. Every attempt must answer exactly like a
missing record, show no text of that customer, and change nothing. Attacks that write (mass
actions, owner fields, raising one's own role) are in test_attack_writes.
"""

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kehu.customers import services as customer_services
from kehu.customers.models import Customer
from kehu.fields import services as field_services
from kehu.fields.models import FieldTarget, FieldType
from kehu.org.models import FieldAccess, Preset
from kehu.org.presets import preset_role
from kehu.timeline import services as timeline_services
from tests.security.callers import Answer, ApiCaller, PageCaller
from tests.security.world import World, snapshot

NEIGHBOUR = {
    "name": "嘉兴南湖纺织有限公司",
    "contact": "钱多多",
    "mobile": "13957300042",
    "follow_up": "南湖纺织的秘密报价",
    "file": "nanhu-secret-price",
}
SECRETS = tuple(NEIGHBOUR.values())
NOT_FOUND = {"detail": "未找到。"}


@pytest.fixture
def neighbour(world: World) -> Customer:
    """Return the second rep's customer, with a contact, a follow-up and an attachment."""
    rep2 = world.personas.rep2
    customer = customer_services.create_customer(
        rep2,
        {"name": NEIGHBOUR["name"], "grade": "A"},
        [{"name": NEIGHBOUR["contact"], "mobile": NEIGHBOUR["mobile"]}],
        owner=rep2,
    )
    follow_up = timeline_services.add_follow_up(
        rep2, customer, {"kind": "visit", "content": NEIGHBOUR["follow_up"]}
    )
    upload = SimpleUploadedFile("报价单.txt", NEIGHBOUR["file"].encode())
    timeline_services.add_attachment(rep2, customer, upload, follow_up)
    return customer


def _leaks(answer: Answer) -> list[str]:
    return [text for text in SECRETS if text in answer.body]


def _assert_missing(answer: Answer, missing: Answer) -> None:
    """Assert that `answer` is exactly a missing record's answer and shows no neighbour text."""
    assert answer.status == 404
    assert answer.body == missing.body
    assert _leaks(answer) == []


def _ids(answer: Answer) -> list[str]:
    return [item["id"] for item in answer.json()["items"]]


def test_page_opens_neighbour_as_missing(world: World, neighbour: Customer) -> None:
    rep = PageCaller.of(world.personas.rep)
    before = snapshot()

    page = rep.get(f"/customers/{neighbour.public_id}/")
    timeline = rep.get(f"/customers/{neighbour.public_id}/", {"kind": "visit"}, htmx=True)
    missing = rep.get(f"/customers/{uuid.uuid4()}/")

    _assert_missing(page, missing)
    _assert_missing(timeline, missing)
    assert snapshot() == before


def test_api_opens_neighbour_as_missing(world: World, neighbour: Customer) -> None:
    rep = ApiCaller.of(world.personas.rep)
    before = snapshot()

    found = rep.get(f"/customers/{neighbour.public_id}")
    missing = rep.get(f"/customers/{uuid.uuid4()}")

    _assert_missing(found, missing)
    assert found.json() == NOT_FOUND
    assert snapshot() == before


def test_edit_forms_of_neighbour_are_missing(world: World, neighbour: Customer) -> None:
    rep = PageCaller.of(world.personas.rep)
    contact = neighbour.contacts.get()
    follow_up = neighbour.follow_ups.get()
    routes = {
        f"/customers/{neighbour.public_id}/edit/": {"name": "改名公司", "expected_version": "1"},
        f"/customers/{neighbour.public_id}/contacts/new/": {"name": "新人"},
        f"/contacts/{contact.public_id}/edit/": {"name": "改名", "mobile": "13900000000"},
        f"/follow-ups/{follow_up.public_id}/edit/": {"kind": "call", "content": "改写"},
    }
    before = snapshot()

    for path, data in routes.items():
        missing_path = path.replace(str(neighbour.public_id), str(uuid.uuid4()))
        missing_path = missing_path.replace(str(contact.public_id), str(uuid.uuid4()))
        missing_path = missing_path.replace(str(follow_up.public_id), str(uuid.uuid4()))
        _assert_missing(rep.get(path), rep.get(missing_path))
        _assert_missing(rep.post(path, data), rep.post(missing_path, data))
    added = rep.post(
        f"/customers/{neighbour.public_id}/follow-ups/", {"kind": "call", "content": "探"}
    )
    assert added.status == 404

    assert snapshot() == before


def test_api_writes_to_neighbour_are_missing(world: World, neighbour: Customer) -> None:
    rep = ApiCaller.of(world.personas.rep)
    base = f"/customers/{neighbour.public_id}"
    contact = neighbour.contacts.get().public_id
    follow_up = neighbour.follow_ups.get().public_id
    before = snapshot()

    answers = [
        rep.patch(base, {"name": "改名公司"}),
        rep.post(base + "/contacts", {"name": "新人"}),
        rep.patch(f"{base}/contacts/{contact}", {"title": "经理"}),
        rep.post(base + "/follow-ups", {"kind": "call", "content": "探"}),
        rep.patch(f"{base}/follow-ups/{follow_up}", {"content": "改写"}),
        rep.post(base + "/owner", {"owner": str(world.personas.rep.public_id)}),
    ]

    assert [answer.status for answer in answers] == [404] * len(answers)
    assert [answer.json() for answer in answers] == [NOT_FOUND] * len(answers)
    assert snapshot() == before


def test_read_only_share_cannot_edit(world: World) -> None:
    """The second rep has a read-only share of the rep's customer: reading works, writing not."""
    customer = world.inside
    pages = PageCaller.of(world.personas.rep2)
    api = ApiCaller.of(world.personas.rep2)
    before = snapshot()

    page = pages.get(f"/customers/{customer.public_id}/")
    edited = pages.post(
        f"/customers/{customer.public_id}/edit/",
        {"kind": "company", "name": "改名公司", "status": "lead", "expected_version": "1"},
    )
    patched = api.patch(f"/customers/{customer.public_id}", {"grade": "C"})
    followed = api.post(
        f"/customers/{customer.public_id}/follow-ups", {"kind": "call", "content": "回访"}
    )

    assert page.status == 200
    assert customer.name in page.body
    assert edited.status == 403
    assert patched.status == 403
    assert followed.status == 403
    assert snapshot() == before


def test_attachment_download_of_neighbour_is_missing(world: World, neighbour: Customer) -> None:
    rep = PageCaller.of(world.personas.rep)
    own = world.inside.attachments.get()
    foreign = neighbour.attachments.get()

    downloaded = rep.get(f"/attachments/{own.public_id}/")
    refused = rep.get(f"/attachments/{foreign.public_id}/")
    missing = rep.get(f"/attachments/{uuid.uuid4()}/")

    assert downloaded.status == 200
    assert world.texts["in"]["file_text"] in downloaded.body
    _assert_missing(refused, missing)


@pytest.mark.parametrize(
    "query",
    [NEIGHBOUR["name"], "南湖纺织", "nanhu", NEIGHBOUR["contact"], NEIGHBOUR["mobile"], "0042"],
)
def test_search_does_not_find_neighbour(world: World, neighbour: Customer, query: str) -> None:
    pages = PageCaller.of(world.personas.rep)
    api = ApiCaller.of(world.personas.rep)
    owner_api = ApiCaller.of(world.personas.rep2)

    page = pages.get("/", {"q": query})
    count = pages.get("/customers/count/", {"q": query})
    missing_count = pages.get("/customers/count/", {"q": "没有这样的客户"})
    listed = api.get("/customers", q=query)

    assert str(neighbour.public_id) in _ids(owner_api.get("/customers", q=query))
    assert page.status == 200
    assert str(neighbour.public_id) not in page.body
    assert count.body == missing_count.body
    assert (listed.status, _ids(listed), listed.json()["count"]) == (200, [], 0)


def test_counts_do_not_include_neighbour(world: World, neighbour: Customer) -> None:
    pages = PageCaller.of(world.personas.rep)
    api = ApiCaller.of(world.personas.rep)
    own = str(world.inside.public_id)

    for view in ("", "mine", "due_today", "idle_30"):
        listed = api.get("/customers", view=view) if view else api.get("/customers")
        assert str(neighbour.public_id) not in _ids(listed), view
        assert listed.json()["count"] == len(_ids(listed)), view
    assert _ids(api.get("/customers")) == [own]
    page = pages.get("/customers/count/")
    assert page.status == 200
    assert "共 1 个客户" in page.body


def test_owner_filter_with_neighbour_finds_nothing(world: World, neighbour: Customer) -> None:
    rep2 = str(world.personas.rep2.public_id)
    random_owner = str(uuid.uuid4())
    pages = PageCaller.of(world.personas.rep)
    api = ApiCaller.of(world.personas.rep)

    foreign = pages.get("/customers/count/", {"f.owner": rep2})
    missing = pages.get("/customers/count/", {"f.owner": random_owner})
    listed = api.get("/customers", **{"f.owner": rep2})
    missing_listed = api.get("/customers", **{"f.owner": random_owner})

    assert foreign.body == missing.body
    assert listed.status == missing_listed.status
    assert listed.body == missing_listed.body.replace(random_owner, rep2)
    assert _leaks(listed) == []


def test_duplicate_message_names_only_the_owner(world: World, neighbour: Customer) -> None:
    api = ApiCaller.of(world.personas.rep)
    pages = PageCaller.of(world.personas.rep)
    before = snapshot()

    created = api.post(
        "/customers",
        {
            "name": "丽水新客户有限公司",
            "contacts": [{"name": "新人", "mobile": NEIGHBOUR["mobile"]}],
        },
    )
    posted = pages.post(
        "/customers/new/",
        {
            "kind": "company",
            "name": "丽水新客户有限公司",
            "status": "lead",
            "contact.name": "新人",
            "contact.mobile": NEIGHBOUR["mobile"],
        },
    )

    assert created.status == 409
    assert created.json()["messages"] == ["已存在相同手机号的客户（负责人：张销售）。"]
    assert posted.status == 400
    assert "张销售" in posted.body
    hidden = (NEIGHBOUR["name"], NEIGHBOUR["contact"], NEIGHBOUR["follow_up"])
    assert [text for text in hidden if text in created.body + posted.body] == []
    assert snapshot() == before


@pytest.fixture
def contract_amount(world: World) -> str:
    """Add a money field, which outside agents may not read, and fill it in on the inside one."""
    field_services.create_custom_field(
        world.personas.boss,
        FieldTarget.CUSTOMER,
        {"key": "amount", "field_type": FieldType.MONEY, "label": "合同金额"},
    )
    customer_services.update_customer(world.personas.rep, world.inside, {"cf_amount": "5000"})
    return "cf_amount"


def _same_but_key(hidden: Answer, unknown: Answer, hidden_key: str, unknown_key: str) -> None:
    assert hidden.status == unknown.status
    assert hidden.status >= 400
    assert hidden.body.replace(hidden_key, "KEY") == unknown.body.replace(unknown_key, "KEY")


def test_filter_on_hidden_field_reads_as_unknown(world: World, contract_amount: str) -> None:
    pages = PageCaller.of(world.personas.agent)
    api = ApiCaller.of(world.personas.agent)
    unknown = "cf_nothing"

    for name in (f"f.{contract_amount}__gte", f"f.{contract_amount}"):
        other = name.replace(contract_amount, unknown)
        _same_but_key(
            pages.get("/customers/count/", {name: "1000"}),
            pages.get("/customers/count/", {other: "1000"}),
            contract_amount,
            unknown,
        )
        _same_but_key(
            api.get("/customers", **{name: "1000"}),
            api.get("/customers", **{other: "1000"}),
            contract_amount,
            unknown,
        )
    page = pages.get("/", {f"f.{contract_amount}__gte": "1000"})
    assert str(world.inside.public_id) not in page.body


def test_sort_on_hidden_field_reads_as_unknown(world: World, contract_amount: str) -> None:
    api = ApiCaller.of(world.personas.agent)
    pages = PageCaller.of(world.personas.agent)

    for sort in (contract_amount, "-" + contract_amount):
        other = sort.replace(contract_amount, "cf_nothing")
        _same_but_key(
            api.get("/customers", sort=sort),
            api.get("/customers", sort=other),
            contract_amount,
            "cf_nothing",
        )
        page = pages.get("/", {"sort": sort})
        assert str(world.inside.public_id) not in page.body


def test_hidden_builtin_field_cannot_filter_or_sort(world: World, neighbour: Customer) -> None:
    """A role that hides the grade may neither filter nor sort by it, even on its own customers."""
    role = preset_role(Preset.REP)
    role.field_policy = {"customer.grade": FieldAccess.HIDDEN}
    role.save(update_fields=["field_policy"])
    api = ApiCaller.of(world.personas.rep2)

    _same_but_key(
        api.get("/customers", **{"f.grade": "A"}),
        api.get("/customers", **{"f.cf_nothing": "A"}),
        "grade",
        "cf_nothing",
    )
    _same_but_key(
        api.get("/customers", sort="grade"),
        api.get("/customers", sort="cf_nothing"),
        "grade",
        "cf_nothing",
    )
    assert '"grade"' not in api.get(f"/customers/{neighbour.public_id}").body


def test_masked_mobile_does_not_match_search(world: World) -> None:
    mobile = world.texts["in"]["mobile"]
    agent = ApiCaller.of(world.personas.agent)
    boss = ApiCaller.of(world.personas.boss)
    own = str(world.inside.public_id)

    assert _ids(boss.get("/customers", q=mobile)) == [own]
    assert _ids(agent.get("/customers", q=world.texts["in"]["fragment"])) == [own]
    for query in (mobile, mobile[-4:], mobile[:7]):
        found = agent.get("/customers", q=query)
        assert (_ids(found), found.json()["count"]) == ([], 0), query
        assert mobile not in found.body


def test_follow_up_endpoints_of_neighbour_are_missing(world: World, neighbour: Customer) -> None:
    rep = ApiCaller.of(world.personas.rep)
    pages = PageCaller.of(world.personas.rep)
    own = f"/customers/{world.inside.public_id}"
    foreign = f"/customers/{neighbour.public_id}"
    follow_up = neighbour.follow_ups.get().public_id
    contact = neighbour.contacts.get().public_id
    before = snapshot()

    reads = [rep.get(foreign + "/follow-ups"), rep.get(foreign + "/timeline")]
    # The rep's own customer id with the neighbour's follow-up or contact id.
    crossed = [
        rep.patch(f"{own}/follow-ups/{follow_up}", {"content": "改写"}),
        rep.patch(f"{own}/contacts/{contact}", {"title": "经理"}),
    ]
    cursor = rep.get(own + "/follow-ups", cursor=str(follow_up))
    random_cursor = rep.get(own + "/follow-ups", cursor=str(uuid.uuid4()))
    page = pages.get(f"/follow-ups/{follow_up}/edit/")

    assert [(a.status, a.json()) for a in reads + crossed] == [(404, NOT_FOUND)] * 4
    assert cursor.status == 422
    assert cursor.body == random_cursor.body
    assert page.status == 404
    assert _leaks(page) == []
    assert snapshot() == before
