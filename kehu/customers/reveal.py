"""Revealing the whole value of a masked field, as an explicit action that the audit log records.

The field policy shows some fields masked (`138****5678`). A role with the reveal capability may
request the whole value of one field of one record at a time. Each request that succeeds adds
an audit entry naming the user, the record and the field.
"""

import datetime as dt
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db.models import Model
from django.utils.translation import gettext as _

from kehu.audit import services as audit
from kehu.audit.models import AuditAction
from kehu.core import regions
from kehu.customers.models import Contact, Customer
from kehu.customers.queries import is_visible
from kehu.fields.models import FieldTarget
from kehu.fields.registry import CUSTOM_PREFIX, FieldSpec, field_map
from kehu.org.models import Capability, FieldAccess, User
from kehu.org.policy import policy_for

# Built-in customer fields stored under another attribute name.
_CODE_ATTRIBUTES = {"province": "province_code", "city": "city_code", "district": "district_code"}


class FieldNotFound(ObjectDoesNotExist):
    """The field is unknown, or hidden for the actor, which must look the same to them."""


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def stored_text(spec: FieldSpec, record: Model) -> str:
    """Return a field's stored value as text, in the form the API uses for it.

    Province, city and district are division codes, region is the division label, tags are
    names joined by commas, users are display names and dates are ISO 8601. "" means empty.
    """
    if spec.is_custom:
        stored: dict[str, Any] = getattr(record, "custom", None) or {}
        return _text(stored.get(spec.key.removeprefix(CUSTOM_PREFIX)))
    if isinstance(record, Customer):
        if spec.key == "region":
            return regions.label(record.province_code, record.city_code, record.district_code)
        if spec.key in _CODE_ATTRIBUTES:
            return _text(getattr(record, _CODE_ATTRIBUTES[spec.key]))
        if spec.key == "tags":
            return ", ".join(tag.name for tag in record.tags.all())
    return _text(getattr(record, spec.key, None))


def reveal_value(actor: User, record: Customer | Contact, field_key: str) -> str:
    """Return the whole value of a field that `actor` sees masked, and record the reveal.

    `record` is a customer or a contact; `field_key` is a field registry key such as "mobile"
    or "cf_contract_amount". The returned text is the stored value (see `stored_text`).

    Raises, in this order of checks:
    - `record`'s DoesNotExist when the actor may not see the customer (or the contact's
      customer), the same as for a missing record;
    - PermissionDenied when the actor's role lacks the reveal capability;
    - FieldNotFound (an ObjectDoesNotExist) when the field is unknown or hidden for the actor;
    - ValidationError keyed by `field_key` when the actor already sees the whole value.

    On success one AuditEntry (action "reveal") is added with target "customer" or "contact",
    the record's public id, and detail {"field": field_key} plus, for a contact, its customer's
    public id under "customer".
    """
    if isinstance(record, Customer):
        target, customer = FieldTarget.CUSTOMER, record
    else:
        target, customer = FieldTarget.CONTACT, record.customer
    if not is_visible(actor, customer):
        raise type(record).DoesNotExist(_("No such record."))
    if not actor.has_capability(Capability.REVEAL):
        raise PermissionDenied(_("Your role may not reveal masked values."))
    policy = policy_for(actor)
    spec = field_map(target).get(field_key)
    if spec is None or not policy.can_read(target, spec):
        raise FieldNotFound(_("Unknown field “%(key)s”.") % {"key": field_key})
    if policy.access(target, spec) != FieldAccess.MASKED:
        raise ValidationError(
            {
                field_key: [
                    _("You already see the whole value of “%(field)s”.")
                    % {"field": spec.label_text}
                ]
            }
        )

    detail = {"field": field_key}
    if isinstance(record, Contact):
        detail["customer"] = str(customer.public_id)
    audit.record(actor, AuditAction.REVEAL, target, record.public_id, detail)
    return stored_text(spec, record)
