"""A share lets a colleague read or change a customer, never hand it out or edit others' work."""

import pytest
from django.core.exceptions import PermissionDenied

from kehu.conftest import Personas
from kehu.customers import services, sharing
from kehu.customers.models import Customer, ShareAccess
from kehu.timeline import services as timeline_services
from kehu.timeline.models import FollowUp


def test_write_share_does_not_allow_transfer(personas: Personas) -> None:
    customer = services.create_customer(personas.other_rep, {"name": "广州珠江物流有限公司"})
    sharing.share_customer(personas.other_rep, customer, personas.manager, ShareAccess.WRITE, None)

    with pytest.raises(PermissionDenied):
        services.change_owner(personas.manager, customer, personas.rep)

    assert Customer.objects.get(pk=customer.pk).owner == personas.other_rep


def test_write_share_does_not_allow_editing_others_follow_ups(personas: Personas) -> None:
    customer = services.create_customer(personas.other_rep, {"name": "广州珠江物流有限公司"})
    follow_up = timeline_services.add_follow_up(
        personas.other_rep, customer, {"kind": "call", "content": "确认报价"}
    )
    sharing.share_customer(personas.other_rep, customer, personas.manager, ShareAccess.WRITE, None)

    with pytest.raises(PermissionDenied):
        timeline_services.edit_follow_up(personas.manager, follow_up, {"content": "改写"})

    assert FollowUp.objects.get(pk=follow_up.pk).content == "确认报价"
    own = timeline_services.add_follow_up(
        personas.manager, customer, {"kind": "note", "content": "共享后补充"}
    )
    assert own.author == personas.manager
