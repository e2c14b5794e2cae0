"""Reads of deals and products. Every read a request can reach starts here.

A deal is visible exactly when its customer is visible (kehu.customers.queries), and writable
when its customer is writable. Whether the user may change deals at all depends on their role
(`may_edit_deals`). Products are a company-wide catalogue: every signed-in user with a role may
read them, and the field policy decides which prices they see. Pipelines and their stages are
company settings that every user with a role reads, like the catalogue.
"""

from django.db.models import QuerySet

from kehu.customers.queries import visible_customers, writable_customers
from kehu.org.models import Capability, DataScope, User
from kehu.sales.models import Contract, Deal, Pipeline, Product, Quote


def visible_deals(user: User) -> QuerySet[Deal]:
    """Return the deals `user` may read: those of the customers they may read."""
    return Deal.objects.filter(customer__in=visible_customers(user).values("pk"))


def visible_quotes(user: User) -> QuerySet[Quote]:
    """Return the quotes `user` may read: those of the customers they may read."""
    return Quote.objects.filter(customer__in=visible_customers(user).values("pk"))


def visible_contracts(user: User) -> QuerySet[Contract]:
    """Return the contracts `user` may read: those of the customers they may read."""
    return Contract.objects.filter(customer__in=visible_customers(user).values("pk"))


def writable_deals(user: User) -> QuerySet[Deal]:
    """Return the deals `user` may change: those of the customers they may change.

    Roles that may not edit deals at all (`may_edit_deals`) get none.
    """
    if not may_edit_deals(user):
        return Deal.objects.none()
    return Deal.objects.filter(customer__in=writable_customers(user).values("pk"))


def may_edit_deals(user: User) -> bool:
    """Return whether `user`'s role may create and change deals.

    Deals are part of a customer's record, so the capability is the one for editing customers.
    Outside agents (roles that only see assigned customers) never create or change deals, even
    if a company gives their role that capability.
    """
    if not user.is_active or not user.has_capability(Capability.EDIT):
        return False
    return user.is_superuser or (
        user.role is not None and user.role.data_scope != DataScope.ASSIGNED
    )


def may_manage_products(user: User) -> bool:
    """Return whether `user` may add and change products: the capability to manage fields.

    The catalogue and its prices are company settings like the custom fields, which only the
    boss preset manages.
    """
    return user.has_capability(Capability.MANAGE_FIELDS)


def visible_products(user: User) -> QuerySet[Product]:
    """Return the products `user` may read: all of them for any active user with a role."""
    if not user.is_authenticated or not user.is_active:
        return Product.objects.none()
    if not user.is_superuser and user.role is None:
        return Product.objects.none()
    return Product.objects.all()


def may_manage_pipelines(user: User) -> bool:
    """Return whether `user` may change pipelines and their stages: the manage-fields capability.

    A pipeline's stage list is a company setting like the custom fields and the product
    catalogue, so the same capability governs it. Of the presets only the boss's role has it.
    """
    return user.has_capability(Capability.MANAGE_FIELDS)


def visible_pipelines(user: User) -> QuerySet[Pipeline]:
    """Return the pipelines `user` may read: all of them for any active user with a role.

    Default first, then by name. Stage lists hold no customer data, and every deal form and
    board needs them.
    """
    if not user.is_authenticated or not user.is_active:
        return Pipeline.objects.none()
    if not user.is_superuser and user.role is None:
        return Pipeline.objects.none()
    return Pipeline.objects.order_by("-is_default", "name")
