"""Reads of customers and contacts. Every read a request can reach starts here."""

from django.db.models import QuerySet

from kehu.customers.models import Contact, Customer
from kehu.org.models import User
from kehu.org.visibility import customer_scope


def visible_customers(user: User) -> QuerySet[Customer]:
    """Return the customers `user` may read."""
    return Customer.objects.filter(customer_scope(user))


def visible_contacts(user: User) -> QuerySet[Contact]:
    return Contact.objects.filter(customer__in=visible_customers(user).values("pk"))


def is_visible(user: User, customer: Customer) -> bool:
    return visible_customers(user).filter(pk=customer.pk).exists()
