"""Revealing the whole value of a masked field on the customer page.

The button beside a masked value posts here with htmx and swaps in the whole value. Without
JavaScript the same post shows a small page with the value, so it never appears in a URL.
"""

import uuid
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from kehu.customers import reveal
from kehu.customers.models import Contact, Customer
from kehu.customers.queries import visible_contacts
from kehu.fields.models import FieldTarget
from kehu.fields.registry import field_map
from kehu.org.models import User
from kehu.org.policy import policy_for
from kehu.web.display import display_value, record_name
from kehu.web.views.common import is_htmx, load_customer, signed_in_user, vary_on_htmx


def _respond(
    request: HttpRequest, user: User, customer: Customer, record: Customer | Contact, key: str
) -> HttpResponse:
    """Reveal the field through the service and show its whole value, formatted like a fact."""
    policy = policy_for(user)
    customer_specs = field_map(FieldTarget.CUSTOMER)
    context: dict[str, Any] = {
        "customer": customer,
        "customer_name": record_name(policy, FieldTarget.CUSTOMER, customer_specs, customer),
    }
    target, specs = FieldTarget.CUSTOMER, customer_specs
    if isinstance(record, Contact):
        target, specs = FieldTarget.CONTACT, field_map(FieldTarget.CONTACT)
        context["contact_name"] = record_name(policy, target, specs, record)
    try:
        reveal.reveal_value(user, record, key)
    except ObjectDoesNotExist:
        raise Http404 from None
    except ValidationError as error:
        context["errors"] = error.messages
        status = 400
    else:
        # The service returns the stored form (codes for choices); the page shows the same text
        # as it shows for unmasked values.
        context["value"] = display_value(specs[key], record)
        status = 200
    # The service has checked that the key names a field the user may read.
    context["label"] = specs[key].label_text
    template = "web/customers/revealed.html"
    if is_htmx(request):
        template += "#value"
    return vary_on_htmx(render(request, template, context, status=status))


@never_cache
@login_required
@require_POST
def reveal_customer_field(request: HttpRequest, public_id: uuid.UUID, key: str) -> HttpResponse:
    """Show the whole value of a customer's masked field and record that the user saw it."""
    user = signed_in_user(request)

    customer = load_customer(user, public_id)

    return _respond(request, user, customer, customer, key)


@never_cache
@login_required
@require_POST
def reveal_contact_field(request: HttpRequest, public_id: uuid.UUID, key: str) -> HttpResponse:
    """Show the whole value of a contact's masked field and record that the user saw it."""
    user = signed_in_user(request)

    contact = get_object_or_404(
        visible_contacts(user).select_related("customer"), public_id=public_id
    )

    return _respond(request, user, contact.customer, contact, key)
