"""Saved views on fields the role no longer reads whole: listed as unavailable, never saved.

A rep-like role saves a view that filters and sorts on a custom money field while it may read
money. Then the role's money access changes to hidden or masked.
"""

import html

import pytest
from django.utils import translation

from kehu.conftest import Personas
from kehu.core import clock
from kehu.fields import services as field_services
from kehu.fields.models import FieldTarget
from kehu.org.models import Capability, DataScope, FieldAccess, Role, User
from kehu.web.models import SavedView
from kehu.web.tests.conftest import ClientFor

QUERY = "f.cf_budget__gte=100000&sort=-cf_budget"
UNAVAILABLE = "Unavailable: it filters or sorts on a field your role cannot use."


def _chinese(message: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(message)


@pytest.fixture
def user(personas: Personas) -> User:
    field_services.create_custom_field(
        personas.boss,
        FieldTarget.CUSTOMER,
        {"key": "budget", "field_type": "money", "label": "预算"},
    )
    role = Role.objects.create(
        name="预算销售",
        data_scope=DataScope.OWN,
        capabilities=[Capability.CREATE, Capability.EDIT, Capability.FOLLOW_UP],
    )
    return User.objects.create_user(
        username="budget_rep",
        password="test-pass-123",
        display_name="孙销售",
        role=role,
        department=personas.rep.department,
    )


def _set_money_access(user: User, access: str) -> None:
    assert user.role is not None
    Role.objects.filter(pk=user.role.pk).update(money_access=access)


@pytest.mark.parametrize("access", [FieldAccess.HIDDEN, FieldAccess.MASKED])
def test_view_on_lost_field_listed_unavailable(
    user: User, client_for: ClientFor, access: str
) -> None:
    client = client_for(user)
    saved = client.post("/customers/views/", {"name": "大预算", "query": QUERY})
    assert saved.status_code == 302
    assert SavedView.objects.get(owner=user).query == QUERY
    _set_money_access(user, access)

    page = client.get("/")

    assert page.status_code == 200
    assert '<span class="unavailable">大预算</span>' in page.text
    assert _chinese(UNAVAILABLE) in page.text
    assert "f.cf_budget__gte" not in page.text
    assert 'class="alert error"' not in page.text
    # The view can still be deleted.
    view = SavedView.objects.get(owner=user)
    assert f"/customers/views/{view.public_id}/delete/" in page.text


@pytest.mark.parametrize(
    ("access", "message", "values"),
    [
        (FieldAccess.HIDDEN, "Unknown filter field “%(key)s”.", {"key": "cf_budget"}),
        (
            FieldAccess.MASKED,
            "Your role sees “%(field)s” only masked, so it cannot be used to filter.",
            {"field": "预算"},
        ),
    ],
)
def test_view_on_unreadable_field_not_saved(
    user: User, client_for: ClientFor, access: str, message: str, values: dict[str, str]
) -> None:
    _set_money_access(user, access)
    before = list(SavedView.objects.values_list("owner_id", "name", "query"))

    response = client_for(user).post("/customers/views/", {"name": "大预算", "query": QUERY})

    assert response.status_code == 400
    assert html.escape(_chinese(message) % values) in response.text
    assert list(SavedView.objects.values_list("owner_id", "name", "query")) == before


def test_view_of_readable_fields_stays_a_link(
    personas: Personas, user: User, client_for: ClientFor
) -> None:
    SavedView.objects.create(
        owner=personas.manager,
        name="未分配",
        query="f.owner=none&sort=-created_at",
        created_at=clock.now(),
    )

    page = client_for(personas.manager).get("/")

    assert '<a href="?f.owner=none&amp;sort=-created_at">未分配</a>' in page.text
    assert _chinese(UNAVAILABLE) not in page.text
