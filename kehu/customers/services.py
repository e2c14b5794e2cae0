"""Every write to customers and contacts. Pages, the API, the importer and jobs call these.

Each function checks permission first, writes in one transaction, records the timeline event
and keeps the search index in step.
"""

import enum
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from kehu.core import clock
from kehu.customers import ownership, search, transfer
from kehu.customers.choices import CustomerKind
from kehu.customers.cleaning import clean_contact, clean_customer
from kehu.customers.dedup import Candidate, Match, find_matches, serialize_duplicate_checks
from kehu.customers.models import Contact, Customer, Tag
from kehu.customers.owners import check_may_own, check_owner
from kehu.customers.queries import is_writable
from kehu.fields.registry import FieldSpec, FieldTarget, custom_fields, field_map
from kehu.org.models import Capability, User
from kehu.org.policy import policy_for
from kehu.org.visibility import reaches_owner
from kehu.timeline import events

# Keys an edit may not carry: they change through their own actions.
PROTECTED_KEYS = ("owner", "creator", "created_at")
# Changes to these fields appear on the timeline; edits of the rest only bump the version.
TRACKED_FIELDS = (
    "name",
    "short_name",
    "credit_code",
    "industry",
    "size",
    "province_code",
    "city_code",
    "district_code",
    "grade",
    "source",
    "status",
)


class DuplicateCustomer(Exception):
    """Raised when a new or changed customer matches stored ones.

    `blocking` is true for an exact match; a close match may be confirmed by the user and
    retried with `allow_similar=True`.
    """

    def __init__(self, matches: Sequence[Match]) -> None:
        self.matches = list(matches)
        self.blocking = any(match.exact for match in matches)
        super().__init__(" ".join(match.message() for match in self.matches))

    def messages(self) -> list[str]:
        seen: list[str] = []
        for match in self.matches:
            text = match.message()
            if text not in seen:
                seen.append(text)
        return seen


class OwnerDefault(enum.Enum):
    """The default owner of a new customer: the user who creates it."""

    ACTOR = "actor"


def candidate_for(cleaned: Mapping[str, Any], contacts: Sequence[Mapping[str, Any]]) -> Candidate:
    is_company = cleaned.get("kind", CustomerKind.COMPANY) == CustomerKind.COMPANY
    return Candidate(
        name_key=cleaned.get("name_key", "") if is_company else "",
        name_core=cleaned.get("name_core", "") if is_company else "",
        credit_code=cleaned.get("credit_code", ""),
        mobiles=[c["mobile"] for c in contacts if c.get("mobile")],
        emails=[c["email"] for c in contacts if c.get("email")],
        wechats=[c["wechat"] for c in contacts if c.get("wechat")],
    )


def check_duplicates(
    cleaned: Mapping[str, Any],
    contacts: Sequence[Mapping[str, Any]],
    *,
    exclude_ids: Sequence[int] = (),
    allow_similar: bool = False,
) -> None:
    """Raise DuplicateCustomer when the values match a stored customer."""
    matches = find_matches([candidate_for(cleaned, contacts)], exclude_ids)[0]
    if allow_similar:
        matches = [match for match in matches if match.exact]
    if matches:
        raise DuplicateCustomer(matches)


def find_owner(actor: User, public_id: uuid.UUID, field: str = "owner") -> User:
    """Return the user with `public_id` when the actor may make them a customer's owner.

    Raises PermissionDenied when a role without the assign capability names anyone but the
    actor, whether or not the id exists. A deactivated user inside the actor's reach, whom the
    actor could give customers to before, gets a ValidationError on `field` naming them, and so
    does a leaving user (User.leaving_on) there.
    Otherwise a missing user and one that `check_owner` refuses get the same ValidationError on
    `field`, so the response does not reveal which user ids exist, nor who outside the actor's
    reach is deactivated, nor who is an outside agent.
    """
    if public_id != actor.public_id and not actor.has_capability(Capability.ASSIGN):
        raise PermissionDenied(_("Your role may not give customers to other users."))
    found = User.objects.select_related("role").filter(public_id=public_id).first()
    if found is not None and not found.is_active and reaches_owner(actor, found):
        raise ValidationError(
            {
                field: [
                    _("%(user)s is deactivated and cannot own customers. Choose another user.")
                    % {"user": found}
                ]
            }
        )
    if (
        found is not None
        and found.is_leaving
        and found.pk != actor.pk
        and reaches_owner(actor, found)
    ):
        raise ValidationError(
            {
                field: [
                    _("%(user)s is leaving and cannot receive customers. Choose another user.")
                    % {"user": found}
                ]
            }
        )
    if found is not None:
        try:
            check_owner(actor, found)
        except (PermissionDenied, ValidationError):
            found = None
    if found is None:
        raise ValidationError(
            {
                field: [
                    _(
                        "No user you may give customers to has this id. Outside agents and "
                        "deactivated users cannot own customers."
                    )
                ]
            }
        )
    return found


def _require(actor: User, capability: str) -> None:
    if actor.has_capability(capability):
        return
    if capability in (Capability.CREATE, Capability.EDIT):
        raise PermissionDenied(_("You may not create or edit customers."))
    raise PermissionDenied(_("Your role may not do this."))


def _require_writable(actor: User, customer: Customer) -> None:
    if not is_writable(actor, customer):
        raise PermissionDenied(_("You may not edit this customer."))


def check_creator(actor: User) -> None:
    """Raise PermissionDenied unless the actor's role may create customers."""
    _require(actor, Capability.CREATE)


def check_editor(actor: User, customer: Customer) -> None:
    """Raise PermissionDenied unless the actor may change this customer's fields and contacts.

    The role needs the edit capability, and the customer must be in the role's reach or shared
    with the actor read-write. Edit forms call this before they show anything, so a form is
    refused with the message its save would get.
    """
    _require(actor, Capability.EDIT)
    _require_writable(actor, customer)


def contact_form_refusal(
    actor: User, *, adding: bool, specs: Mapping[str, FieldSpec] | None = None
) -> str:
    """Return why the actor's field policy leaves a contact form nothing to save, or "".

    Adding a contact needs every required contact field (the name) editable. Changing one
    needs at least one editable contact field. The message names no field, because the
    policy may hide it. `specs` is the contact registry, for callers that have read it.
    """
    policy = policy_for(actor)
    contact_specs = list((specs or field_map(FieldTarget.CONTACT)).values())
    if adding:
        needed = [spec for spec in contact_specs if spec.required]
        if all(policy.can_write(FieldTarget.CONTACT, spec) for spec in needed):
            return ""
        return _(
            "Your role may not set every field a new contact needs, so it cannot add contacts."
        )
    if any(policy.can_write(FieldTarget.CONTACT, spec) for spec in contact_specs):
        return ""
    return _("Your role may not change any field of a contact.")


def check_contact_editor(actor: User, customer: Customer, *, adding: bool) -> None:
    """Raise PermissionDenied unless the actor may add (`adding`) or change contacts of `customer`.

    On top of `check_editor`, the field policy must leave the form something to save (see
    `contact_form_refusal`). The contact forms and `add_contact`/`update_contact` call this.
    """
    check_editor(actor, customer)
    refusal = contact_form_refusal(actor, adding=adding)
    if refusal:
        raise PermissionDenied(refusal)


def _refuse_protected_keys(values: Mapping[str, Any]) -> None:
    """Owner and creator change only through their own actions (transfer), never an edit."""
    errors = {
        key: [_("This field changes only through its own action, such as a transfer.")]
        for key in PROTECTED_KEYS
        if key in values
    }
    if errors:
        raise ValidationError(errors)


def check_field_policy(
    actor: User, values: Mapping[str, Any], contacts: Sequence[Mapping[str, Any]] = ()
) -> None:
    """Raise ValidationError for any given field the actor's role may not set."""
    policy = policy_for(actor)
    policy.check_write(FieldTarget.CUSTOMER, field_map(FieldTarget.CUSTOMER), values.keys())
    contact_specs = field_map(FieldTarget.CONTACT)
    for index, contact in enumerate(contacts, start=1):
        try:
            policy.check_write(FieldTarget.CONTACT, contact_specs, contact.keys())
        except ValidationError as error:
            raise ValidationError(
                {
                    f"contacts.{index}.{key}": messages
                    for key, messages in error.message_dict.items()
                }
            ) from None


def set_tags(customer: Customer, names: Sequence[str]) -> None:
    tags = [Tag.objects.get_or_create(name=name)[0] for name in dict.fromkeys(names)]
    customer.tags.set(tags)


def _clean_contacts(contacts: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    cleaned = []
    errors: dict[str, list[str]] = {}
    for index, values in enumerate(contacts, start=1):
        try:
            cleaned.append(clean_contact(values))
        except ValidationError as error:
            for key, messages in error.message_dict.items():
                errors.setdefault(f"contacts.{index}.{key}", []).extend(messages)
    if errors:
        raise ValidationError(errors)
    return cleaned


def create_customer(
    actor: User,
    values: Mapping[str, Any],
    contacts: Sequence[Mapping[str, Any]] = (),
    *,
    owner: User | OwnerDefault | None = OwnerDefault.ACTOR,
    allow_similar: bool = False,
    routed: Mapping[str, Any] | None = None,
) -> Customer:
    """Create a customer with its contacts, after the duplicate check.

    Raises PermissionDenied for roles that cannot create, ValidationError keyed by field, and
    DuplicateCustomer on an exact match (or a close one unless `allow_similar`). The owner is
    the actor unless given; None leaves the customer unassigned. The actor is the creator.

    `routed` is given when the assignment rules chose `owner` (kehu.assignment), and the
    "created" event keeps it. The owner then need not be in the actor's reach, because rules an
    administrator set chose them, but the actor must be allowed to leave the choice to others
    (the assign capability) and the owner must be able to own customers.
    """
    check_creator(actor)
    if owner is OwnerDefault.ACTOR:
        owner = actor
    if routed is None:
        check_owner(actor, owner)
    else:
        check_owner(actor, None)
        if owner is not None:
            check_may_own(owner)
    check_field_policy(actor, values, contacts)
    policy = policy_for(actor)
    unwritable = [
        spec.key
        for spec in custom_fields(FieldTarget.CUSTOMER)
        if not policy.can_write(FieldTarget.CUSTOMER, spec)
    ]
    cleaned = clean_customer(values, unwritable=unwritable)
    cleaned_contacts = _clean_contacts(contacts)

    now = clock.now()
    tag_names = cleaned.pop("tags", [])
    with transaction.atomic():
        if owner is not None:
            ownership.check_room(owner)
        serialize_duplicate_checks()
        check_duplicates(cleaned, cleaned_contacts, allow_similar=allow_similar)
        customer = Customer.objects.create(
            **cleaned,
            owner=owner,
            creator=actor,
            created_at=now,
            updated_at=now,
        )
        if tag_names:
            set_tags(customer, tag_names)
        _create_contacts(customer, cleaned_contacts, now)
        events.customer_created(customer.pk, actor, now, dict(routed or {})).save()
        search.rebuild([customer.pk])
    return customer


def _create_contacts(customer: Customer, contacts: Sequence[dict[str, Any]], now: Any) -> None:
    has_primary = any(c.get("is_primary") for c in contacts)
    rows = []
    for index, values in enumerate(contacts):
        values = dict(values)
        if not has_primary and index == 0:
            values["is_primary"] = True
        rows.append(Contact(customer=customer, created_at=now, updated_at=now, **values))
    Contact.objects.bulk_create(rows)


def update_customer(
    actor: User,
    customer: Customer,
    values: Mapping[str, Any],
    *,
    expected_version: int | None = None,
    allow_similar: bool = False,
) -> Customer:
    """Change the given fields of a visible customer.

    Raises PermissionDenied, ValidationError, DuplicateCustomer, or ValidationError on
    "version" when `expected_version` is given and someone saved the customer in between.
    """
    check_editor(actor, customer)
    _refuse_protected_keys(values)
    check_field_policy(actor, values)
    cleaned = clean_customer(values, partial=True)

    with transaction.atomic():
        serialize_duplicate_checks()
        locked = Customer.objects.select_for_update().get(pk=customer.pk)
        if "name_key" in cleaned or "credit_code" in cleaned or "kind" in cleaned:
            dedup_values = {
                "kind": cleaned.get("kind", locked.kind),
                "name_key": cleaned.get("name_key", locked.name_key),
                "name_core": cleaned.get("name_core", locked.name_core),
                "credit_code": cleaned.get("credit_code", ""),
            }
            check_duplicates(
                dedup_values, [], exclude_ids=[customer.pk], allow_similar=allow_similar
            )
        if expected_version is not None and locked.version != expected_version:
            raise ValidationError(
                {
                    "version": [
                        _(
                            "Someone else saved this customer after you opened it. "
                            "Reload and try again."
                        )
                    ]
                }
            )
        tag_names = cleaned.pop("tags", None)
        custom = cleaned.pop("custom", None)
        changes: dict[str, tuple[Any, Any]] = {}
        for key, new in cleaned.items():
            old = getattr(locked, key)
            if old != new:
                if key in TRACKED_FIELDS:
                    changes[key] = (old, new)
                setattr(locked, key, new)
        if custom is not None:
            merged = {**locked.custom}
            for key, new in custom.items():
                if merged.get(key) != new:
                    changes[f"cf_{key}"] = (merged.get(key), new)
                if new is None:
                    merged.pop(key, None)
                else:
                    merged[key] = new
            locked.custom = merged
        locked.updated_at = clock.now()
        locked.version = F("version") + 1
        locked.save()
        locked.refresh_from_db(fields=["version"])
        if tag_names is not None:
            set_tags(locked, tag_names)
        if changes:
            events.fields_changed(locked.pk, actor, changes).save()
        search.rebuild([locked.pk])
    return locked


def change_owner(actor: User, customer: Customer, new_owner: User | None) -> Customer:
    """Give a customer to another user, or make it unassigned with None; records the event.

    Checks and writes as `kehu.customers.transfer.transfer_customers` does.
    """
    transfer.transfer_customers(actor, [customer.pk], new_owner)
    return Customer.objects.select_related("owner").get(pk=customer.pk)


def add_contact(actor: User, customer: Customer, values: Mapping[str, Any]) -> Contact:
    """Add a contact to a visible customer after checking its mobile, email and WeChat ID.

    Raises PermissionDenied as `check_contact_editor` does, ValidationError keyed by field, and
    DuplicateCustomer when the mobile, email or WeChat ID belongs to another customer.
    """
    check_contact_editor(actor, customer, adding=True)
    check_field_policy(actor, {}, [values])
    cleaned = clean_contact(values)
    now = clock.now()
    with transaction.atomic():
        serialize_duplicate_checks()
        check_duplicates({}, [cleaned], exclude_ids=[customer.pk])
        if cleaned.get("is_primary"):
            customer.contacts.update(is_primary=False)
        elif not customer.contacts.exists():
            cleaned["is_primary"] = True
        contact = Contact.objects.create(
            customer=customer, created_at=now, updated_at=now, **cleaned
        )
        events.contact_added(customer.pk, actor, contact.name).save()
        search.rebuild([customer.pk])
    return contact


def update_contact(
    actor: User,
    contact: Contact,
    values: Mapping[str, Any],
    *,
    expected_version: int | None = None,
) -> Contact:
    """Change a contact of a visible customer; the change appears on the timeline.

    With `expected_version`, raises ValidationError on "version" if someone saved the contact
    after the caller read it.
    """
    customer = contact.customer
    check_contact_editor(actor, customer, adding=False)
    check_field_policy(actor, {}, [values])
    cleaned = clean_contact(values, partial=True)
    with transaction.atomic():
        serialize_duplicate_checks()
        check_duplicates({}, [cleaned], exclude_ids=[customer.pk])
        locked = Contact.objects.select_for_update().get(pk=contact.pk)
        if expected_version is not None and locked.version != expected_version:
            raise ValidationError(
                {
                    "version": [
                        _(
                            "Someone else saved this contact after you opened it. "
                            "Reload and try again."
                        )
                    ]
                }
            )
        changes: dict[str, tuple[Any, Any]] = {}
        custom = cleaned.pop("custom", None)
        for key, new in cleaned.items():
            old = getattr(locked, key)
            if old != new:
                changes[key] = (old, new)
                setattr(locked, key, new)
        if custom is not None:
            merged = {**locked.custom}
            for key, new in custom.items():
                if merged.get(key) != new:
                    changes[f"cf_{key}"] = (merged.get(key), new)
                if new is None:
                    merged.pop(key, None)
                else:
                    merged[key] = new
            locked.custom = merged
        if cleaned.get("is_primary"):
            customer.contacts.exclude(pk=locked.pk).update(is_primary=False)
        locked.updated_at = clock.now()
        locked.version = F("version") + 1
        locked.save()
        locked.refresh_from_db(fields=["version"])
        if changes:
            events.contact_changed(customer.pk, actor, locked.name, changes).save()
        search.rebuild([customer.pk])
    return locked
