"""A few after-sales tickets of the demo company, one of them a complaint, through the services.

Each ticket belongs to a customer older than a month and is worked by its owner, with the clock
frozen at every step so the timeline reads in order. The first ticket goes to a customer the
outside agent is assigned to, if there is one, so the agent has a ticket to read.
"""

import dataclasses
import datetime as dt

from kehu.core import clock
from kehu.customers.models import Customer
from kehu.org.models import User
from kehu.service import services


@dataclasses.dataclass(frozen=True)
class Step:
    # Hours after the ticket was opened.
    after_hours: int
    action: str
    text: str = ""
    internal: bool = False


@dataclasses.dataclass(frozen=True)
class DemoTicket:
    days_ago: int
    subject: str
    category: str
    priority: str
    description: str
    steps: tuple[Step, ...]


TICKETS = (
    DemoTicket(
        20,
        "送货延误三天，客户投诉",
        "complaint",
        "high",
        "客户反映订单比约定晚到三天，影响其产线开工，要求说明原因。",
        (
            Step(2, "reply", "您好，非常抱歉给您带来不便，我们正在核实物流情况。"),
            Step(3, "note", "物流公司确认中转站积压，已申请运费减免。", internal=True),
            Step(26, "resolve", "已向客户说明原因并减免本次运费，客户表示接受。"),
            Step(72, "close"),
        ),
    ),
    DemoTicket(
        12,
        "设备运行异响",
        "repair",
        "urgent",
        "客户称设备启动后有明显异响，担心影响生产。",
        (
            Step(1, "reply", "您好，请先停机，工程师今天下午联系您。"),
            Step(2, "progress"),
        ),
    ),
    DemoTicket(
        6,
        "新设备安装预约",
        "installation",
        "normal",
        "客户新购设备已到货，需要预约上门安装调试。",
        (Step(4, "waiting"),),
    ),
    DemoTicket(
        2,
        "咨询发票开具方式",
        "consultation",
        "low",
        "客户询问能否开具增值税专用发票。",
        (
            Step(1, "reply", "您好，可以开具增值税专用发票，请提供开票信息。"),
            Step(2, "resolve", "已告知开票所需信息。"),
        ),
    ),
)


def _customers(start: dt.datetime) -> list[Customer]:
    """Return one customer per demo ticket: owned, older than a month, agent's first."""
    older = (
        Customer.objects.filter(owner__isnull=False, created_at__lt=start - dt.timedelta(days=30))
        .select_related("owner")
        .order_by("pk")
    )
    with_agent = list(older.filter(agents__isnull=False)[:1])
    others = list(older.exclude(pk__in=[c.pk for c in with_agent])[: len(TICKETS)])
    return (with_agent + others)[: len(TICKETS)]


def seed_tickets(start: dt.datetime) -> int:
    """Open and work the demo tickets; the caller unfreezes the clock. Returns their number."""
    count = 0
    for planned, customer in zip(TICKETS, _customers(start), strict=False):
        owner: User | None = customer.owner
        if owner is None:
            continue
        opened = start - dt.timedelta(days=planned.days_ago)
        clock.freeze(opened)
        ticket = services.open_ticket(
            owner,
            customer,
            {
                "subject": planned.subject,
                "category": planned.category,
                "priority": planned.priority,
                "description": planned.description,
            },
            contact=customer.contacts.order_by("-is_primary", "pk").first(),
            assignee=owner,
        )
        for step in planned.steps:
            clock.freeze(opened + dt.timedelta(hours=step.after_hours))
            if step.action in ("reply", "note"):
                services.reply_to_ticket(owner, ticket, step.text, internal=step.internal)
            elif step.action == "resolve":
                ticket = services.set_ticket_status(owner, ticket, "resolved", resolution=step.text)
            elif step.action == "close":
                ticket = services.set_ticket_status(owner, ticket, "closed")
            elif step.action == "progress":
                ticket = services.set_ticket_status(owner, ticket, "in_progress")
            else:
                ticket = services.set_ticket_status(owner, ticket, "waiting")
        count += 1
    return count
