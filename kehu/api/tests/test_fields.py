from collections.abc import Callable

from kehu.api.tests.conftest import Caller
from kehu.conftest import Personas
from kehu.fields.models import CustomField, FieldTarget, FieldType


def test_customer_fields_list_builtin_then_custom(
    personas: Personas, call_as: Callable[..., Caller]
) -> None:
    CustomField.objects.create(
        target=FieldTarget.CUSTOMER,
        key="budget",
        label="预算",
        label_en="Budget",
        field_type=FieldType.MONEY,
        required=True,
    )

    response = call_as(personas.rep).get("/fields/customer")

    assert response.status == 200
    keys = [field["key"] for field in response.body]
    assert keys[0] == "name"
    assert keys[-1] == "cf_budget"
    budget = response.body[-1]
    assert budget == {
        "key": "cf_budget",
        "label": "预算",
        "type": "money",
        "choices": [],
        "required": True,
        "is_money": True,
        "is_sensitive": False,
        "filterable": True,
        "sortable": True,
        "is_custom": True,
        "access": "editable",
    }
    grade = next(field for field in response.body if field["key"] == "grade")
    assert grade["label"] == "客户级别"
    assert grade["choices"][0] == {"value": "A", "label": "A（重点客户）"}


def test_field_labels_follow_accept_language(
    personas: Personas, call_as: Callable[..., Caller]
) -> None:
    CustomField.objects.create(
        target=FieldTarget.CUSTOMER,
        key="budget",
        label="预算",
        label_en="Budget",
        field_type=FieldType.MONEY,
    )

    response = call_as(personas.rep, language="en").get("/fields/customer")

    labels = {field["key"]: field["label"] for field in response.body}
    assert labels["grade"] == "Grade"
    assert labels["cf_budget"] == "Budget"


def test_contact_fields(personas: Personas, call_as: Callable[..., Caller]) -> None:
    response = call_as(personas.rep).get("/fields/contact")

    assert response.status == 200
    mobile = next(field for field in response.body if field["key"] == "mobile")
    assert mobile["is_sensitive"] is True


def test_unknown_record_type_is_404(personas: Personas, call_as: Callable[..., Caller]) -> None:
    response = call_as(personas.rep).get("/fields/deal")

    assert response.status == 404
    assert response.body == {"detail": "未找到。"}
