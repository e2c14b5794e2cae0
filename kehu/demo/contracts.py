"""A few contracts of the demo company, through the services, with instalments and payments.

Four signed customers of the reps get a contract, approved by the rep's manager (or the boss),
with two instalments and a payment. One of them has paid less than its first instalment, so the
contract list shows an overdue instalment. One customer being followed up has a contract
awaiting approval, so the manager has one to decide.
"""

import datetime as dt
from decimal import Decimal

from kehu.core import clock
from kehu.customers.choices import CustomerStatus
from kehu.customers.models import Customer
from kehu.org.models import Preset, User
from kehu.sales import contracts, payments

# Contract amounts in yuan, and the part of the first instalment each customer has paid.
SIGNED = (
    ("年度设备供货合同", Decimal("186000.00"), Decimal("1")),
    ("系统集成服务合同", Decimal("98000.00"), Decimal("1")),
    ("维保服务合同", Decimal("36000.00"), Decimal("0.5")),
    ("备件框架采购合同", Decimal("52800.00"), Decimal("1")),
)


def _approver(owner: User) -> User:
    if owner.manager is not None:
        return owner.manager
    return User.objects.get(role__preset=Preset.BOSS)


def _reps_customers(status: str) -> list[Customer]:
    return list(
        Customer.objects.filter(status=status, owner__role__preset=Preset.REP)
        .select_related("owner", "owner__manager")
        .order_by("pk")
    )


def seed_contracts(start: dt.datetime) -> int:
    """Create the demo contracts as of the day before `start`; return how many."""
    signed_customers = _reps_customers(CustomerStatus.WON)[: len(SIGNED)]
    for (title, amount, paid_share), customer in zip(SIGNED, signed_customers, strict=False):
        owner = customer.owner
        if owner is None:
            continue
        signed_at = start - dt.timedelta(days=75)
        clock.freeze(signed_at)
        terms = {
            "title": title,
            "amount": amount,
            "start_on": signed_at.date(),
            "end_on": (signed_at + dt.timedelta(days=364)).date(),
        }
        contract = contracts.create_contract(owner, customer, terms)
        contracts.submit_contract(owner, contract, "客户已盖章，请审批。")
        clock.freeze(signed_at + dt.timedelta(hours=3))
        contracts.approve_contract(_approver(owner), contract, "同意。")
        first = (amount * Decimal("0.3")).quantize(Decimal("0.01"))
        payments.set_payment_plans(
            owner,
            contract,
            [
                {"due_on": (start - dt.timedelta(days=45)).date(), "amount": first},
                {"due_on": (start + dt.timedelta(days=60)).date(), "amount": amount - first},
            ],
        )
        clock.freeze(start - dt.timedelta(days=50))
        payments.record_receipt(
            owner,
            contract,
            {
                "received_on": (start - dt.timedelta(days=50)).date(),
                "amount": (first * paid_share).quantize(Decimal("0.01")),
                "method": "bank_transfer",
            },
        )
    created = len(signed_customers)
    following = _reps_customers(CustomerStatus.FOLLOWING)
    owner = following[0].owner if following else None
    if owner is not None:
        customer = following[0]
        clock.freeze(start - dt.timedelta(days=2))
        terms = {
            "title": "首年软件服务合同",
            "amount": Decimal("24800.00"),
            "start_on": (start + dt.timedelta(days=7)).date(),
        }
        pending = contracts.create_contract(owner, customer, terms)
        contracts.submit_contract(owner, pending, "客户希望下周开始，请尽快审批。")
        created += 1
    return created
