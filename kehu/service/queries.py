"""Reads of tickets. Every read a request can reach starts here.

A ticket is visible exactly when its customer is visible (kehu.customers.queries), and writable
when its customer is writable and the user's role may work on tickets (`may_write_tickets`).
Outside agents read the tickets of the customers assigned to them but never write them.
"""

from django.db.models import QuerySet

from kehu.customers.models import Customer
from kehu.customers.queries import visible_customers, writable_customers
from kehu.org.models import Capability, DataScope, User
from kehu.service.models import Ticket, TicketReply


def visible_tickets(user: User) -> QuerySet[Ticket]:
    """Return the tickets `user` may read: those of the customers they may read."""
    return Ticket.objects.filter(customer__in=visible_customers(user).values("pk"))


def writable_tickets(user: User) -> QuerySet[Ticket]:
    """Return the tickets `user` may change; none for roles that may not work on tickets."""
    if not may_write_tickets(user):
        return Ticket.objects.none()
    return Ticket.objects.filter(customer__in=writable_customers(user).values("pk"))


def visible_replies(user: User, ticket: Ticket) -> QuerySet[TicketReply]:
    """Return the replies of `ticket`, oldest first, if `user` may read the ticket."""
    return TicketReply.objects.filter(
        ticket=ticket, ticket__in=visible_tickets(user).values("pk")
    ).order_by("created_at", "pk")


def may_write_tickets(user: User) -> bool:
    """Return whether `user`'s role may open, reply to and change tickets at all.

    Replying to a customer is an interaction with them, so the capability is the one for adding
    follow-ups. Outside agents (roles that only see assigned customers) never write tickets, even
    though their preset adds follow-ups.
    """
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    if not user.has_capability(Capability.FOLLOW_UP):
        return False
    return user.role is not None and user.role.data_scope != DataScope.ASSIGNED


def may_write_customer_tickets(user: User, customer: Customer) -> bool:
    """Return whether `user` may open and change tickets of `customer`."""
    return may_write_tickets(user) and writable_customers(user).filter(pk=customer.pk).exists()
