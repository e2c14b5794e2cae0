"""Load the records a request names, through the visibility layer; anything else is a 404."""

import uuid

from django.http import Http404

from kehu.customers.models import Contact, Customer
from kehu.customers.queries import visible_contacts, visible_customers
from kehu.org.models import User
from kehu.timeline.models import FollowUp
from kehu.timeline.queries import visible_follow_ups


def customer(user: User, public_id: uuid.UUID) -> Customer:
    found = (
        visible_customers(user)
        .select_related("owner", "creator")
        .prefetch_related("tags")
        .filter(public_id=public_id)
        .first()
    )
    if found is None:
        raise Http404
    return found


def contact(user: User, owner: Customer, public_id: uuid.UUID) -> Contact:
    found = (
        visible_contacts(user)
        .select_related("customer")
        .filter(customer=owner, public_id=public_id)
        .first()
    )
    if found is None:
        raise Http404
    return found


def follow_up(user: User, owner: Customer, public_id: uuid.UUID) -> FollowUp:
    found = (
        visible_follow_ups(user)
        .select_related("customer", "author")
        .prefetch_related("attachments")
        .filter(customer=owner, public_id=public_id)
        .first()
    )
    if found is None:
        raise Http404
    return found
