"""find_owner: which owner ids a user may name, and the message a rejected id gets."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from kehu.conftest import Personas
from kehu.customers.services import find_owner

pytestmark = pytest.mark.django_db


def test_leaving_user_named_as_leaving(personas: Personas) -> None:
    personas.rep.leaving_on = dt.date(2030, 1, 31)
    personas.rep.save(update_fields=["leaving_on"])

    with pytest.raises(ValidationError) as raised:
        find_owner(personas.manager, personas.rep.public_id)

    message = raised.value.message_dict["owner"][0]
    assert str(personas.rep) in message
    assert "离职" in message


def test_leaving_user_outside_reach_looks_missing(personas: Personas) -> None:
    personas.other_rep.leaving_on = dt.date(2030, 1, 31)
    personas.other_rep.save(update_fields=["leaving_on"])

    with pytest.raises(ValidationError) as raised:
        find_owner(personas.manager, personas.other_rep.public_id)

    message = raised.value.message_dict["owner"][0]
    assert str(personas.other_rep) not in message
