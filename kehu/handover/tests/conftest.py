"""A rep with a full book: customers, contacts, deals, a quote, a contract, a ticket, a lock."""

import dataclasses
from decimal import Decimal

import pytest

from kehu.conftest import Personas
from kehu.customers import services as customer_services
from kehu.customers import sharing
from kehu.customers.models import Customer, CustomerShare
from kehu.pool import services as pool_services
from kehu.pool.models import CustomerLock
from kehu.pool.tests.fixtures import Pools
from kehu.sales import contracts, payments, quotes
from kehu.sales import services as sales_services
from kehu.sales.models import Contract, Deal, Quote
from kehu.service import services as ticket_services
from kehu.service.models import Ticket
from kehu.timeline import services as timeline_services
from kehu.timeline.models import FollowUp


@dataclasses.dataclass
class Book:
    first: Customer
    second: Customer
    # A customer of the manager that the rep holds a share of, and a deal the rep owns on it.
    colleagues: Customer
    open_deal: Deal
    won_deal: Deal
    loose_deal: Deal
    quote: Quote
    contract: Contract
    ticket: Ticket
    rep_note: FollowUp
    manager_note: FollowUp
    lock: CustomerLock
    share: CustomerShare


@pytest.fixture
def book(personas: Personas, pools: Pools) -> Book:
    rep = personas.rep
    first = customer_services.create_customer(
        rep,
        {"name": "温州瓯江阀门有限公司"},
        [{"name": "王建国", "mobile": "13800138001"}, {"name": "李秀英", "mobile": "13800138002"}],
    )
    second = customer_services.create_customer(
        rep, {"name": "宁波港城物流有限公司"}, [{"name": "赵海涛", "mobile": "13800138003"}]
    )
    colleagues = customer_services.create_customer(
        personas.manager, {"name": "杭州西湖茶业有限公司"}
    )
    share = sharing.share_customer(personas.manager, colleagues, rep, "write", None)

    open_deal = sales_services.create_deal(
        rep, first, {"name": "阀门年度采购", "amount": "180000.50"}
    )
    won_deal = sales_services.create_deal(rep, first, {"name": "首批试用订单", "amount": "9800"})
    won_stage = won_deal.pipeline.stages.get(kind="won")
    won_deal = sales_services.move_deal_stage(rep, won_deal, won_stage)
    loose_deal = sales_services.create_deal(
        personas.manager, colleagues, {"name": "茶园灌溉改造", "amount": "56000"}, owner=rep
    )
    quote = quotes.create_quote(
        rep,
        first,
        {"title": "阀门报价"},
        [{"description": "球阀 DN50", "quantity": "10", "unit_price": "120.50"}],
        deal=open_deal,
    )
    contract = contracts.create_contract(
        rep, first, {"title": "阀门供货合同", "amount": "100000.10", "start_on": "2026-01-01"}
    )
    contracts.submit_contract(rep, contract)
    contract = contracts.approve_contract(personas.manager, contract, signed_on="2025-12-20")
    payments.set_payment_plans(
        rep,
        contract,
        [
            {"due_on": "2026-03-31", "amount": "30000.03"},
            {"due_on": "2026-06-30", "amount": "70000.07"},
        ],
    )
    ticket = ticket_services.open_ticket(
        rep, first, {"subject": "阀门漏水", "category": "complaint"}, assignee=rep
    )
    rep_note = timeline_services.add_follow_up(
        rep, first, {"kind": "call", "content": "确认了二期需求", "next_follow_up_on": "2099-01-05"}
    )
    manager_note = timeline_services.add_follow_up(
        personas.manager, first, {"kind": "visit", "content": "经理陪同拜访"}
    )
    pools.east.lock_on, pools.east.lock_limit = True, 5
    pools.east.save()
    lock = pool_services.lock_customer(rep, second)
    assert open_deal.amount == Decimal("180000.50")
    return Book(
        first=first,
        second=second,
        colleagues=colleagues,
        open_deal=open_deal,
        won_deal=won_deal,
        loose_deal=loose_deal,
        quote=quote,
        contract=contract,
        ticket=ticket,
        rep_note=rep_note,
        manager_note=manager_note,
        lock=lock,
        share=share,
    )
