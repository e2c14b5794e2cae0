"""Known ways to change what one may not: foreign ids in batch actions, owner and department
fields in edits, and raising one's own role. Each is tried on the pages and on the API.

Kehu has no multi-record action on customers yet; its batch writers are the importer (a whole
file at once, undone at once), the saved views and the column picker, and sharing. Those are
tried with a colleague's ids here.
"""

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kehu.customers.models import Customer, CustomerShare
from kehu.fields import services as field_services
from kehu.fields.models import FieldTarget, FieldType
from kehu.imports import services as import_services
from kehu.imports import tasks
from kehu.imports.models import ImportJob, ImportStatus
from kehu.org.models import Capability, DataScope, Preset, Role, User
from kehu.org.presets import preset_role
from kehu.web.models import ListPreference, SavedView
from tests.security.callers import ApiCaller, PageCaller
from tests.security.world import World, snapshot

NOT_FOUND = {"detail": "未找到。"}


def _finished_import(user: User, name: str) -> ImportJob:
    """Import one customer for `user` in this process, as the management command does."""
    upload = SimpleUploadedFile(f"{user.username}.csv", f"客户名称\n{name}\n".encode())
    job = import_services.create_import(user, upload, upload.name or "import.csv")
    job = import_services.set_mapping(user, job, ["customer.name"], owner=user)
    job = import_services.check_now(user, job)
    token = import_services.claim_for_command(user, job)
    tasks.run(job.pk, token)
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE
    return job


def test_undo_of_colleagues_import_is_missing(world: World) -> None:
    job = _finished_import(world.personas.rep2, "绍兴越城黄酒有限公司")
    path = f"/imports/{job.public_id}/undo/"
    missing = f"/imports/{uuid.uuid4()}/undo/"
    callers = [PageCaller.of(world.personas.rep), PageCaller.of(world.personas.manager)]
    owner = PageCaller.of(world.personas.rep2)
    before = snapshot()

    for pages in callers:
        refused = pages.post(path)
        assert (refused.status, refused.body) == (404, pages.post(missing).body)
    assert snapshot() == before

    undone = owner.post(path)
    assert undone.status == 302
    assert not Customer.objects.filter(name="绍兴越城黄酒有限公司").exists()


def test_colleagues_import_steps_are_missing(world: World) -> None:
    job = world.imports["other_rep"]
    pages = PageCaller.of(world.personas.rep)
    before = snapshot()

    for step in ("commit", "resume", "discard", "mapping", "sheet"):
        refused = pages.post(f"/imports/{job.public_id}/{step}/", {"action": "check"})
        missing = pages.post(f"/imports/{uuid.uuid4()}/{step}/", {"action": "check"})
        assert (refused.status, refused.body) == (404, missing.body), step
    rejected = pages.get(f"/imports/{job.public_id}/rejected/")
    assert rejected.status == 404
    assert snapshot() == before


def test_import_into_colleague_is_refused(world: World) -> None:
    """A rep imports only into their own name; naming a colleague as owner changes nothing."""
    job = world.imports["rep"]
    pages = PageCaller.of(world.personas.rep)
    before = snapshot()

    form = {"action": "check", "column_0": "customer.name", "column_1": "contact.mobile"}

    refused = pages.post(
        f"/imports/{job.public_id}/mapping/", {**form, "owner": str(world.personas.rep2.public_id)}
    )
    missing = pages.post(f"/imports/{job.public_id}/mapping/", {**form, "owner": str(uuid.uuid4())})

    # The same response as for an unknown id, so the page does not reveal which users exist.
    assert refused.status == 400
    assert (refused.status, refused.body) == (missing.status, missing.body)
    assert snapshot() == before


def test_saved_view_of_colleague_cannot_be_deleted(world: World) -> None:
    foreign = world.views["other_rep"]
    pages = PageCaller.of(world.personas.rep)

    refused = pages.post(f"/customers/views/{foreign.public_id}/delete/")
    missing = pages.post(f"/customers/views/{uuid.uuid4()}/delete/")

    assert (refused.status, refused.body) == (404, missing.body)
    assert SavedView.objects.filter(pk=foreign.pk).exists()


def test_column_picker_rejects_hidden_and_unknown_fields(world: World) -> None:
    field_services.create_custom_field(
        world.personas.boss,
        FieldTarget.CUSTOMER,
        {"key": "amount", "field_type": FieldType.MONEY, "label": "合同金额"},
    )
    pages = PageCaller.of(world.personas.agent)
    before = snapshot()

    hidden = pages.post("/customers/columns/", {"columns": ["name", "cf_amount"]})
    unknown = pages.post("/customers/columns/", {"columns": ["name", "cf_nothing"]})

    assert hidden.status == 400
    assert hidden.body.replace("cf_amount", "KEY") == unknown.body.replace("cf_nothing", "KEY")
    assert not ListPreference.objects.filter(user=world.personas.agent).exists()
    assert snapshot() == before


def test_shares_of_colleagues_customer_are_missing(world: World) -> None:
    """Ending another customer's share through one's own customer, or by its id, is a 404."""
    foreign = world.outside.shares.get()
    own = world.inside.public_id
    api = ApiCaller.of(world.personas.rep)
    pages = PageCaller.of(world.personas.rep)
    before = snapshot()

    crossed = api.delete(f"/customers/{own}/shares/{foreign.public_id}")
    direct = api.delete(f"/customers/{world.outside.public_id}/shares/{foreign.public_id}")
    page = pages.post(f"/shares/{foreign.public_id}/end/")
    missing_page = pages.post(f"/shares/{uuid.uuid4()}/end/")

    assert (crossed.status, crossed.json()) == (404, NOT_FOUND)
    assert (direct.status, direct.json()) == (404, NOT_FOUND)
    assert (page.status, page.body) == (404, missing_page.body)
    assert CustomerShare.objects.filter(pk=foreign.pk).exists()
    assert snapshot() == before


def test_edit_form_ignores_owner_and_department(world: World) -> None:
    customer = world.inside
    south = world.personas.other_rep.department
    assert south is not None
    pages = PageCaller.of(world.personas.rep)

    saved = pages.post(
        f"/customers/{customer.public_id}/edit/",
        {
            "kind": "company",
            "name": customer.name,
            "status": "lead",
            "expected_version": str(customer.version),
            "owner": str(world.personas.other_rep.public_id),
            "creator": str(world.personas.boss.public_id),
            "department": str(south.public_id),
            "agents": str(world.personas.rep2.public_id),
        },
    )

    customer.refresh_from_db()
    assert saved.status == 302
    assert customer.owner == world.personas.rep
    assert customer.creator == world.personas.rep
    assert list(customer.agents.all()) == [world.personas.agent]


def test_create_form_ignores_posted_owner(world: World) -> None:
    pages = PageCaller.of(world.personas.rep)

    saved = pages.post(
        "/customers/new/",
        {
            "kind": "company",
            "name": "湖州南浔木业有限公司",
            "status": "lead",
            "owner": str(world.personas.other_rep.public_id),
        },
    )

    created = Customer.objects.get(name="湖州南浔木业有限公司")
    assert saved.status == 302
    assert created.owner == world.personas.rep


@pytest.mark.parametrize(
    "field", ["owner", "department", "creator", "created_at", "agents", "version"]
)
def test_api_rejects_owner_and_department_in_edits(world: World, field: str) -> None:
    api = ApiCaller.of(world.personas.rep)
    values = {
        "owner": str(world.personas.rep2.public_id),
        "department": str(uuid.uuid4()),
        "creator": str(world.personas.boss.public_id),
        "created_at": "2020-01-01T00:00:00+08:00",
        "agents": [str(world.personas.rep2.public_id)],
        "version": 99,
    }
    before = snapshot()

    patched = api.patch(f"/customers/{world.inside.public_id}", {field: values[field]})

    assert patched.status == 422
    assert list(patched.json()["errors"]) == [field]
    assert snapshot() == before


def test_api_rejects_moving_contacts_and_follow_ups(world: World) -> None:
    api = ApiCaller.of(world.personas.rep)
    base = f"/customers/{world.inside.public_id}"
    contact = world.inside.contacts.get().public_id
    follow_up = world.inside.follow_ups.get().public_id
    other = str(world.outside.public_id)
    before = snapshot()

    moved_contact = api.patch(f"{base}/contacts/{contact}", {"customer": other})
    moved_follow_up = api.patch(f"{base}/follow-ups/{follow_up}", {"customer": other})
    authored = api.patch(
        f"{base}/follow-ups/{follow_up}", {"author": str(world.personas.rep2.public_id)}
    )

    assert [a.status for a in (moved_contact, moved_follow_up, authored)] == [422, 422, 422]
    assert snapshot() == before


def test_api_create_for_foreign_owner_is_denied(world: World) -> None:
    rep = ApiCaller.of(world.personas.rep)
    manager = ApiCaller.of(world.personas.manager)
    boss = ApiCaller.of(world.personas.boss)
    body = {"name": "舟山定海渔业有限公司", "owner": str(world.personas.other_rep.public_id)}
    before = snapshot()

    by_rep = rep.post("/customers", {**body, "owner": str(world.personas.rep2.public_id)})
    by_manager = manager.post("/customers", body)
    missing_owner = manager.post("/customers", {**body, "owner": str(uuid.uuid4())})

    assert by_rep.status == 403
    # An owner outside the manager's reach gets the answer of an id that does not exist.
    assert by_manager.status == 422
    assert by_manager == missing_owner
    assert snapshot() == before
    assert boss.post("/customers", body).status == 201


def _role_form(role: Role, **changes: object) -> dict[str, object]:
    values: dict[str, object] = {
        "name": role.name,
        "data_scope": role.data_scope,
        "capabilities": list(role.capabilities),
        "money_access": role.money_access,
        "sensitive_access": role.sensitive_access,
    }
    values.update(changes)
    return values


def _user_form(user: User, role: Role) -> dict[str, str]:
    return {
        "display_name": user.display_name,
        "role": str(role.public_id),
        "department": str(user.department.public_id) if user.department else "",
        "manager": str(user.manager.public_id) if user.manager else "",
    }


def test_rep_cannot_raise_own_role(world: World) -> None:
    rep = world.personas.rep
    boss_role = preset_role(Preset.BOSS)
    rep_role = preset_role(Preset.REP)
    pages = PageCaller.of(rep)
    before = snapshot()

    user_edit = pages.post(f"/settings/users/{rep.public_id}/edit/", _user_form(rep, boss_role))
    role_edit = pages.post(
        f"/settings/roles/{rep_role.public_id}/edit/",
        _role_form(rep_role, data_scope=DataScope.COMPANY, capabilities=Capability.values),
    )
    role_create = pages.post(
        "/settings/roles/new/",
        _role_form(boss_role, name="超级销售", capabilities=Capability.values),
    )

    assert [a.status for a in (user_edit, role_edit, role_create)] == [403, 403, 403]
    assert snapshot() == before


@pytest.fixture
def clerk(world: World) -> User:
    """Return a user whose role manages users and roles but reaches only their own customers."""
    role = Role.objects.create(
        name="人事专员", data_scope=DataScope.OWN, capabilities=[Capability.MANAGE_USERS]
    )
    return User.objects.create_user(
        username="clerk",
        password="test-pass-123",
        display_name="人事小王",
        role=role,
        department=world.personas.boss.department,
    )


def test_user_manager_cannot_raise_own_role(world: World, clerk: User) -> None:
    assert clerk.role is not None
    own_role = clerk.role
    boss_role = preset_role(Preset.BOSS)
    pages = PageCaller.of(clerk)
    before = snapshot()

    to_boss = pages.post(f"/settings/users/{clerk.public_id}/edit/", _user_form(clerk, boss_role))
    wider = pages.post(
        f"/settings/roles/{own_role.public_id}/edit/",
        _role_form(own_role, data_scope=DataScope.COMPANY),
    )
    more = pages.post(
        f"/settings/roles/{own_role.public_id}/edit/",
        _role_form(own_role, capabilities=[Capability.MANAGE_USERS, Capability.EXPORT]),
    )

    assert [a.status for a in (to_boss, wider, more)] == [403, 403, 403]
    assert snapshot() == before


def test_api_has_no_way_to_change_roles(world: World) -> None:
    """The API offers no user or role route, and customer bodies refuse a role field."""
    api = ApiCaller.of(world.personas.rep)
    before = snapshot()

    patched = api.patch(f"/customers/{world.inside.public_id}", {"role": "boss"})
    users = api.patch(f"/users/{world.personas.rep.public_id}", {"role": "boss"})

    assert patched.status == 422
    assert users.status == 404
    assert snapshot() == before
