from typing import Any

import pytest

from kehu.conftest import Personas
from kehu.fields.models import CustomField
from kehu.web.tests.conftest import ClientFor


def _field(**values: Any) -> CustomField:
    defaults: dict[str, Any] = {
        "target": "customer",
        "key": "level",
        "label": "客户层级",
        "field_type": "choice",
        "choices": ["大客户", "小客户"],
    }
    return CustomField.objects.create(**{**defaults, **values})


def _rows() -> list[tuple[Any, ...]]:
    return list(
        CustomField.objects.order_by("pk").values_list(
            "key", "label", "label_en", "choices", "required", "is_active", "position"
        )
    )


def test_boss_adds_choice_field_that_appears_everywhere(
    personas: Personas, client_for: ClientFor
) -> None:
    client = client_for(personas.boss)

    response = client.post(
        "/settings/fields/new/",
        {
            "target": "customer",
            "key": "level",
            "field_type": "choice",
            "label": "客户层级",
            "label_en": "Tier",
            "choices": "大客户\n小客户\n",
            "required": "1",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == "/settings/fields/"
    assert _rows() == [("level", "客户层级", "Tier", ["大客户", "小客户"], True, True, 0)]
    listing = client.get("/settings/fields/")
    assert "<code>level</code>" in listing.text
    create_form = client.get("/customers/new/")
    assert '<select name="cf_level" id="id_cf_level"' in create_form.text
    customer_list = client.get("/")
    assert '<select name="f.cf_level"' in customer_list.text


def test_boss_adds_contact_field(personas: Personas, client_for: ClientFor) -> None:
    client = client_for(personas.boss)

    client.post(
        "/settings/fields/new/?target=contact",
        {"target": "contact", "key": "birthday", "field_type": "date", "label": "生日"},
    )
    contact_form = client.get("/customers/new/")

    assert CustomField.objects.get().target == "contact"
    assert 'type="date" name="contact.cf_birthday"' in contact_form.text


def test_create_form_shows_field_errors(personas: Personas, client_for: ClientFor) -> None:
    _field()

    response = client_for(personas.boss).post(
        "/settings/fields/new/",
        {
            "target": "customer",
            "key": "level",
            "field_type": "multi_choice",
            "label": "客户名称",
            "choices": "",
        },
    )

    assert response.status_code == 400
    assert "键名“level”已被其他字段使用" in response.text
    assert "已有字段叫“客户名称”" in response.text
    assert "请至少填写一个选项，每行一个" in response.text
    assert CustomField.objects.count() == 1


def test_bad_key_is_explained(personas: Personas, client_for: ClientFor) -> None:
    response = client_for(personas.boss).post(
        "/settings/fields/new/",
        {"target": "customer", "key": "Budget 2024", "field_type": "money", "label": "预算"},
    )

    assert response.status_code == 400
    assert 'value="Budget 2024"' in response.text
    assert CustomField.objects.count() == 0


def test_boss_edits_label_and_choices(personas: Personas, client_for: ClientFor) -> None:
    field = _field()
    client = client_for(personas.boss)

    form = client.get(f"/settings/fields/{field.public_id}/edit/")
    response = client.post(
        f"/settings/fields/{field.public_id}/edit/",
        {"label": "客户分层", "label_en": "", "choices": "大客户\n中客户\n小客户", "position": "5"},
    )

    assert form.status_code == 200
    assert "大客户\n小客户</textarea>" in form.text
    assert 'name="key"' not in form.text
    assert response.status_code == 302
    assert _rows() == [("level", "客户分层", "", ["大客户", "中客户", "小客户"], False, True, 5)]


def test_deactivate_hides_field_and_reactivate_restores(
    personas: Personas, client_for: ClientFor
) -> None:
    field = _field()
    client = client_for(personas.boss)

    client.post(f"/settings/fields/{field.public_id}/deactivate/")
    hidden_form = client.get("/customers/new/")
    field.refresh_from_db()
    assert field.is_active is False
    assert "cf_level" not in hidden_form.text

    client.post(f"/settings/fields/{field.public_id}/reactivate/")
    field.refresh_from_db()
    assert field.is_active is True
    assert "cf_level" in client.get("/customers/new/").text


@pytest.mark.parametrize("persona", ["manager", "rep", "agent"])
def test_only_boss_may_manage_fields(
    personas: Personas, client_for: ClientFor, persona: str
) -> None:
    field = _field()
    before = _rows()
    client = client_for(getattr(personas, persona))

    responses = [
        client.get("/settings/fields/"),
        client.get("/settings/fields/new/"),
        client.post(
            "/settings/fields/new/",
            {"target": "customer", "key": "other", "field_type": "text", "label": "其他"},
        ),
        client.get(f"/settings/fields/{field.public_id}/edit/"),
        client.post(f"/settings/fields/{field.public_id}/edit/", {"label": "改名"}),
        client.post(f"/settings/fields/{field.public_id}/deactivate/"),
    ]

    assert [response.status_code for response in responses] == [403] * 6
    assert _rows() == before


def test_nav_shows_field_settings_to_boss_only(personas: Personas, client_for: ClientFor) -> None:
    boss_page = client_for(personas.boss).get("/")
    manager_page = client_for(personas.manager).get("/")

    assert 'href="/settings/fields/"' in boss_page.text
    assert 'href="/settings/fields/"' not in manager_page.text
