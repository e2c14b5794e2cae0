"""Writes to the web pages' own settings: saved list views and the list's columns.

These are personal settings, so each function only ever touches the actor's own rows.
"""

from collections.abc import Sequence
from urllib.parse import parse_qsl, urlencode

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kehu.core import clock
from kehu.customers.listing import field_refusals, params_from_query
from kehu.fields.models import FieldTarget
from kehu.fields.registry import FieldSpec, field_map
from kehu.org.models import User
from kehu.org.policy import policy_for
from kehu.web.models import ListPreference, SavedView

MAX_SAVED_VIEWS = 50
# Query parameters of the customer list that a saved view keeps; "f." starts a filter.
KEPT_PARAMETERS = ("q", "sort", "view", "page_size")


def clean_list_query(query: str) -> str:
    """Return the list parameters of `query` in a stable form, without the page cursor."""
    kept = [
        (key, value)
        for key, value in parse_qsl(query.lstrip("?"), keep_blank_values=False)
        if key in KEPT_PARAMETERS or key.startswith("f.")
    ]
    return urlencode(kept)


def list_query_refusals(
    actor: User, query: str, specs: dict[str, FieldSpec] | None = None
) -> list[str]:
    """Return why the customer list rejects `query` for the actor whatever the data, or [].

    These are a bad page size and filters, sorts or views on fields the actor's role does not
    read whole (see `kehu.customers.listing.field_refusals`). Filter values are not checked.
    `specs` is the customer registry, for callers that have read it.
    """
    try:
        params = params_from_query(dict(parse_qsl(query.lstrip("?"))))
    except ValidationError as error:
        return list(error.messages)
    refusals = field_refusals(actor, params, specs)
    return [message for messages in refusals.values() for message in messages]


def save_list_view(actor: User, name: str, query: str) -> SavedView:
    """Store the list query under `name` for the actor, replacing a view of the same name.

    Raises ValidationError on "name" for an empty or long name or past MAX_SAVED_VIEWS views, and
    on "query" for a query string that is too long to store or that the list would reject for
    the actor's role (see `list_query_refusals`).
    """
    if not actor.is_active:
        raise PermissionDenied(_("Your account is deactivated."))
    name = name.strip()
    stored = clean_list_query(query)
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("Give the view a name.")]
    elif len(name) > 60:
        errors["name"] = [
            _("At most %(limit)d characters, got %(count)d.") % {"limit": 60, "count": len(name)}
        ]
    if len(stored) > 2000:
        errors["query"] = [_("This search has too many filters to save; remove some and retry.")]
    else:
        refusals = list_query_refusals(actor, stored)
        if refusals:
            errors["query"] = refusals
    if errors:
        raise ValidationError(errors)

    with transaction.atomic():
        existing = SavedView.objects.select_for_update().filter(owner=actor, name=name).first()
        if existing is not None:
            existing.query = stored
            existing.save(update_fields=["query"])
            return existing
        if SavedView.objects.filter(owner=actor).count() >= MAX_SAVED_VIEWS:
            raise ValidationError(
                {
                    "name": [
                        _("You already have %(limit)d saved views; delete one first.")
                        % {"limit": MAX_SAVED_VIEWS}
                    ]
                }
            )
        return SavedView.objects.create(
            owner=actor, name=name, query=stored, created_at=clock.now()
        )


def delete_list_view(actor: User, view: SavedView) -> None:
    """Delete one of the actor's saved views; another user's view raises PermissionDenied."""
    if view.owner_id != actor.pk:
        raise PermissionDenied(_("This saved view belongs to someone else."))
    view.delete()


def set_list_columns(actor: User, columns: Sequence[str]) -> ListPreference:
    """Store the customer-list columns the actor picked, in order; the name always comes first.

    Raises ValidationError on "columns" for a key the field registry does not know or the
    actor's role hides, with the same message for both.
    """
    if not actor.is_active:
        raise PermissionDenied(_("Your account is deactivated."))
    policy = policy_for(actor)
    known = field_map(FieldTarget.CUSTOMER)
    unknown = [
        key
        for key in columns
        if key not in known or not policy.can_read(FieldTarget.CUSTOMER, known[key])
    ]
    if unknown:
        raise ValidationError({"columns": [_("Unknown field “%(key)s”.") % {"key": unknown[0]}]})
    chosen = ["name", *(key for key in dict.fromkeys(columns) if key != "name")]

    with transaction.atomic():
        preference, _created = ListPreference.objects.select_for_update().get_or_create(
            user=actor, defaults={"columns": chosen}
        )
        if preference.columns != chosen:
            preference.columns = chosen
            preference.save(update_fields=["columns"])
    return preference
