"""The records every security test requests, and a snapshot of everything a request can change.

The world has one customer inside the scope of the rep, the manager and the outside agent (owned
by the rep of the east department, assigned to the agent and shared read-only with the second
rep) and one outside it (owned by the south department's rep). Each has a contact, a follow-up,
an attachment, a share, a deal, a quote and a ticket with a reply. One product, outside any
scope, is in the catalogue, and a second pipeline besides the default one has no deals. Imports
and saved views are personal, so each persona gets its own, and the south rep's are the ones
outside everyone else's reach. East and South have public pools. The east rep returned one
customer to the East pool (the rep's and the manager's) and the south rep one to the South pool,
with a return reason. Two assignment rules route customers of the energy industry. The boss
reaches the whole company, so the boss has no outside records.

A third set of records, "missing", has random ids and names that nothing in the database holds:
an outside record must get exactly the response a missing one gets.
"""

import dataclasses
import json
import uuid
from typing import Any

from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Model

from kehu.assignment import services as assignment_services
from kehu.assignment.models import AssignmentRule
from kehu.conftest import Personas
from kehu.core import clock
from kehu.customers import services as customer_services
from kehu.customers import sharing
from kehu.customers.models import Customer, ShareAccess
from kehu.fields import services as field_services
from kehu.fields.models import CustomField, FieldTarget
from kehu.handover.models import Handover, Offboarding, SuccessorMode
from kehu.imports import services as import_services
from kehu.imports.models import ImportJob
from kehu.leads import campaigns as lead_campaigns
from kehu.leads import services as lead_services
from kehu.leads.models import Campaign, IntakeKey, Lead
from kehu.org.models import Preset, User
from kehu.org.presets import preset_role
from kehu.pool import configure as pool_configure
from kehu.pool import membership
from kehu.pool import services as pool_services
from kehu.pool.configure import PoolMembers
from kehu.pool.models import Pool, ReturnReason
from kehu.sales import contracts, payments, pipelines, quotes
from kehu.sales import services as sales_services
from kehu.sales.models import ContractFile, ContractStatus, Pipeline, Product, Receipt
from kehu.service import services as ticket_services
from kehu.timeline import services as timeline_services
from kehu.web import services as web_services
from kehu.web.models import SavedView
from tests.security.callers import new_token

# The preset each persona of the matrix holds; a preset without a persona fails the matrix.
ROLES = {
    "boss": Preset.BOSS,
    "manager": Preset.MANAGER,
    "rep": Preset.REP,
    "agent": Preset.AGENT,
}
ANONYMOUS = "anonymous"
# The second rep, who reaches the in-scope customer only through a read-only share of it.
READER = "reader"
SCOPES = ("in", "out")
# Columns that change on every request that merely reads: the token's last use.
VOLATILE = {("api", "apitoken"): {"last_used_at"}}
# Apps whose rows a request may change: Kehu's own and the task queue.
SNAPSHOT_APPS = ("django_tasks_db",)


@dataclasses.dataclass(frozen=True)
class Records:
    """The ids a request names and the texts that show whether a response leaked the records."""

    customer: str
    contact: str
    follow_up: str
    attachment: str
    share: str
    import_job: str
    saved_view: str
    name: str
    # A part of the name that search matches; pages echo the query, so it is not a secret.
    fragment: str
    mobile: str
    contact_name: str
    follow_up_text: str
    file_text: str
    import_name: str
    view_name: str
    deal: str
    deal_name: str
    quote: str
    # A signed contract with a file, a draft one and one awaiting approval.
    contract: str
    contract_file: str
    draft_contract: str
    pending_contract: str
    # A payment received on the signed contract.
    receipt: str
    ticket: str
    ticket_subject: str
    # The one product of the catalogue; products have no scope, so "in" and "out" share it.
    product: str
    # The rep's lead and, for claims, a lead of the lead pool; "out" has the south rep's lead
    # for both.
    lead: str
    pool_lead: str
    lead_name: str
    # The East pool and the customer in it. "out" has the South pool and its customer, except
    # for users who manage pools (see World.records).
    pool: str
    pool_customer: str
    pool_customer_name: str
    # A user whose records a manager hands over (the second rep; "out" has the south rep), a
    # planned handover of theirs and an open offboarding of theirs.
    person: str
    handover: str
    offboarding: str

    @property
    def secrets(self) -> tuple[str, ...]:
        """Texts that must not appear in any response to a user outside these records' scope."""
        return (
            self.name,
            self.mobile,
            self.contact_name,
            self.follow_up_text,
            self.file_text,
            self.import_name,
            self.view_name,
            self.deal_name,
            self.ticket_subject,
            self.lead_name,
            self.pool_customer_name,
        )


@dataclasses.dataclass
class World:
    personas: Personas
    inside: Customer
    outside: Customer
    imports: dict[str, ImportJob]
    views: dict[str, SavedView]
    field: CustomField
    product: Product
    # A pipeline besides the default one, which no deal uses, so every editor write succeeds.
    pipeline: Pipeline
    # An outside agent not yet assigned to any customer.
    spare_agent: User
    # The campaign (its link token is CAMPAIGN_TOKEN) and an intake key for it.
    campaign: Campaign
    intake_key: IntakeKey
    leads: dict[str, Lead]
    tokens: dict[str, str]
    texts: dict[str, dict[str, str]]
    # By scope: the East and the South pool, and the customer in each.
    pools: dict[str, Pool]
    pool_customers: dict[str, Customer]
    return_reason: ReturnReason
    # The second of the two assignment rules, so moving it up changes the order.
    rule: AssignmentRule
    # By scope: a planned, empty handover and an open offboarding of the second rep ("in") and
    # of the south rep ("out"). The offboardings are rows only: the users' leaving flag stays
    # unset, so every other route sees the usual personas.
    handovers: dict[str, Handover]
    offboardings: dict[str, Offboarding]

    def settings_id(self, target: str) -> str:
        """Return the public id a settings page edits: a field, a user, a department, a role,
        a pipeline or a stage.

        The user is the second rep, the department the east one and the role the reps' preset.
        The pipeline is the one no deal uses, and the stage its second one. The pool is the
        East pool, and the rule the second one.
        """
        records: dict[str, Any] = {
            "field": self.field,
            "user": self.personas.rep2,
            "department": self.personas.rep2.department,
            "role": self.personas.rep2.role,
            "pipeline": self.pipeline,
            "stage": self.pipeline.stages.get(position=2),
            "campaign": self.campaign,
            "intake_key": self.intake_key,
            "edited_pool": self.pools["in"],
            "rule": self.rule,
        }
        return str(records[target].public_id)

    def user(self, role: str) -> User | None:
        if role == ANONYMOUS:
            return None
        if role == READER:
            return self.personas.rep2
        user: User = getattr(self.personas, role)
        return user

    def records(self, scope: str, role: str) -> Records:
        """Return the records of `scope` ("in", "out" or "missing") as `role` would name them.

        "in" imports and saved views are the role's own (the rep's for roles without any).
        Users who manage pools administer every pool, so no pool is outside their reach: their
        outside pool and pool customer are the south rep's owned customer, which is in no pool.
        """
        if scope == "missing":
            return _missing_records()
        customer = self.inside if scope == "in" else self.outside
        person = role if scope == "in" else "other_rep"
        job = self.imports.get(person, self.imports["rep"])
        view = self.views.get(person, self.views["rep"])
        texts = self.texts[scope]
        user = self.user(role)
        if scope == "in" or user is None or not membership.administers_all(user):
            pool = str(self.pools[scope].public_id)
            pool_customer = self.pool_customers[scope]
        else:
            pool = str(customer.public_id)
            pool_customer = customer
        return Records(
            customer=str(customer.public_id),
            contact=str(customer.contacts.get().public_id),
            follow_up=str(customer.follow_ups.get().public_id),
            attachment=str(customer.attachments.get().public_id),
            share=str(customer.shares.get().public_id),
            import_job=str(job.public_id),
            saved_view=str(view.public_id),
            name=customer.name,
            fragment=texts["fragment"],
            mobile=texts["mobile"],
            contact_name=texts["contact_name"],
            follow_up_text=texts["follow_up_text"],
            file_text=texts["file_text"],
            import_name=job.file_name,
            view_name=view.name,
            deal=str(customer.deals.get().public_id),
            deal_name=texts["deal_name"],
            quote=str(customer.quotes.get().public_id),
            contract=str(customer.contracts.get(status=ContractStatus.SIGNED).public_id),
            contract_file=str(
                ContractFile.objects.get(
                    version__contract__customer=customer,
                    version__contract__status=ContractStatus.SIGNED,
                ).public_id
            ),
            draft_contract=str(customer.contracts.get(status=ContractStatus.DRAFT).public_id),
            pending_contract=str(customer.contracts.get(status=ContractStatus.PENDING).public_id),
            receipt=str(Receipt.objects.get(contract__customer=customer).public_id),
            ticket=str(customer.tickets.get().public_id),
            ticket_subject=texts["ticket_subject"],
            product=str(self.product.public_id),
            lead=str(self.leads[scope].public_id),
            pool_lead=str(self.leads["pool" if scope == "in" else scope].public_id),
            lead_name=self.leads[scope].name,
            pool=pool,
            pool_customer=str(pool_customer.public_id),
            pool_customer_name=pool_customer.name,
            person=str(self.handovers[scope].predecessor.public_id),
            handover=str(self.handovers[scope].public_id),
            offboarding=str(self.offboardings[scope].public_id),
        )


def _missing_records() -> Records:
    return Records(
        customer=str(uuid.uuid4()),
        contact=str(uuid.uuid4()),
        follow_up=str(uuid.uuid4()),
        attachment=str(uuid.uuid4()),
        share=str(uuid.uuid4()),
        import_job=str(uuid.uuid4()),
        saved_view=str(uuid.uuid4()),
        name="成都锦江茶叶有限公司",
        fragment="锦江茶叶",
        mobile="13800000404",
        contact_name="无此人",
        follow_up_text="无此跟进",
        file_text="no such file",
        import_name="无此导入.csv",
        view_name="无此视图",
        deal=str(uuid.uuid4()),
        deal_name="无此商机",
        quote=str(uuid.uuid4()),
        contract=str(uuid.uuid4()),
        contract_file=str(uuid.uuid4()),
        draft_contract=str(uuid.uuid4()),
        pending_contract=str(uuid.uuid4()),
        receipt=str(uuid.uuid4()),
        ticket=str(uuid.uuid4()),
        ticket_subject="无此工单",
        product=str(uuid.uuid4()),
        lead=str(uuid.uuid4()),
        pool_lead=str(uuid.uuid4()),
        lead_name="无此线索",
        pool=str(uuid.uuid4()),
        pool_customer=str(uuid.uuid4()),
        pool_customer_name="无此公海客户",
        person=str(uuid.uuid4()),
        handover=str(uuid.uuid4()),
        offboarding=str(uuid.uuid4()),
    )


TEXTS = {
    "in": {
        "name": "温州瓯江阀门有限公司",
        "fragment": "瓯江阀门",
        "mobile": "13905770001",
        "contact_name": "周杰伦",
        "follow_up_text": "确认瓯江报价单",
        "file_text": "ouj-quote-2024",
        "deal_name": "瓯江阀门年度框架采购",
        "ticket_subject": "瓯江球阀接口渗漏",
    },
    "out": {
        "name": "广州珠江电缆有限公司",
        "fragment": "珠江电缆",
        "mobile": "13602000002",
        "contact_name": "黄伟文",
        "follow_up_text": "珠江年度采购意向",
        "file_text": "zhujiang-contract-2024",
        "deal_name": "珠江电缆二期扩产",
        "ticket_subject": "珠江电缆护套破损",
    },
}


def _customer(owner: User, texts: dict[str, str]) -> Customer:
    customer = customer_services.create_customer(
        owner,
        {"name": texts["name"]},
        [{"name": texts["contact_name"], "mobile": texts["mobile"]}],
        owner=owner,
    )
    follow_up = timeline_services.add_follow_up(
        owner, customer, {"kind": "call", "content": texts["follow_up_text"]}
    )
    upload = SimpleUploadedFile("报价.txt", texts["file_text"].encode())
    timeline_services.add_attachment(owner, customer, upload, follow_up)
    deal = sales_services.create_deal(
        owner, customer, {"name": texts["deal_name"], "amount": "86000.00"}
    )
    line = {"description": "阀门", "quantity": "2", "unit_price": "43000"}
    quotes.create_quote(owner, customer, {"title": texts["deal_name"]}, [line], deal=deal)
    ticket = ticket_services.open_ticket(
        owner,
        customer,
        {"subject": texts["ticket_subject"], "category": "repair"},
        contact=customer.contacts.get(),
    )
    ticket_services.reply_to_ticket(owner, ticket, "已安排工程师上门")
    return customer


def _contracts(owner: User, approver: User, customer: Customer, texts: dict[str, str]) -> None:
    """Give the customer a signed contract with a file, a plan and a receipt, a draft and a
    pending one."""
    terms = {"title": texts["deal_name"], "amount": "86000.00", "start_on": "2026-01-01"}
    scan = SimpleUploadedFile("合同.txt", texts["file_text"].encode())
    signed = contracts.create_contract(owner, customer, terms, files=[scan])
    contracts.submit_contract(owner, signed)
    contracts.approve_contract(approver, signed, signed_on="2025-12-30")
    payments.set_payment_plans(owner, signed, [{"due_on": "2026-03-31", "amount": "86000"}])
    payments.record_receipt(
        owner, signed, {"received_on": "2026-01-10", "amount": "20000", "method": "bank_transfer"}
    )
    contracts.create_contract(owner, customer, terms)
    pending = contracts.create_contract(owner, customer, terms)
    contracts.submit_contract(owner, pending)


def _import(user: User) -> ImportJob:
    content = "客户名称,手机\n宁波海曙五金有限公司,13700000001\n".encode()
    upload = SimpleUploadedFile(f"{user.username}-名单.csv", content)
    return import_services.create_import(user, upload, upload.name or "import.csv")


# The link token of the world's campaign, so matrix entries can name its public form.
CAMPAIGN_TOKEN = "matrix-campaign"


def _leads(personas: Personas) -> dict[str, Lead]:
    """Create the rep's lead, the south rep's lead and one in the lead pool."""
    return {
        "in": lead_services.create_lead(
            personas.rep, {"name": "马晓东", "company": "绍兴柯桥纺织", "mobile": "13905750011"}
        ),
        "out": lead_services.create_lead(
            personas.other_rep,
            {"name": "林海燕", "company": "佛山顺德家电", "mobile": "13702000022"},
        ),
        "pool": lead_services.create_lead(
            personas.boss, {"name": "池中线索", "mobile": "13600000033"}, owner=None
        ),
    }


# The customer each department's rep returned to its pool, and its contact's mobile.
POOL_CUSTOMERS = {
    "in": ("嘉兴秀洲轴承有限公司", "13500000066"),
    "out": ("东莞厚街鞋材有限公司", "13500000077"),
}


def _pools(personas: Personas) -> tuple[dict[str, Pool], dict[str, Customer], ReturnReason]:
    """Create the East and South pools, each with a customer its rep returned to it.

    The department managers administer their pool, and East lets owners lock customers.
    """
    reason = pool_configure.set_return_reasons(personas.boss, ["客户无意向", "联系不上"])[0]
    departments = {"in": personas.rep, "out": personas.other_rep}
    admins = {"in": personas.manager, "out": personas.other_manager}
    names = {"in": "华东公海", "out": "华南公海"}
    pools = {}
    customers = {}
    for scope, rep in departments.items():
        department = rep.department
        assert department is not None
        members = PoolMembers(departments=[department], admins=[admins[scope]])
        values = {"name": names[scope], "lock_on": scope == "in", "lock_limit": 5}
        pools[scope] = pool_configure.create_pool(personas.boss, values, department, members)
        name, mobile = POOL_CUSTOMERS[scope]
        customer = customer_services.create_customer(
            rep, {"name": name}, [{"name": "采购部", "mobile": mobile}]
        )
        pool_services.return_to_pool(rep, customer, reason, "暂无采购计划")
        customer.refresh_from_db()
        customers[scope] = customer
    return pools, customers, reason


def _rules(boss: User, owner: User) -> AssignmentRule:
    """Create two rules for energy customers, which no other record of the world is; return
    the second."""
    rules = [
        assignment_services.create_rule(
            boss,
            {
                "name": name,
                "applies_to": "customer",
                "industries": ["energy"],
                "route": "user",
                "user": owner,
            },
        )
        for name in ("能源客户", "能源客户（备用）")
    ]
    return rules[1]


def build_world(personas: Personas) -> World:
    """Create the world's records through the services, as the pages would."""
    inside = _customer(personas.rep, TEXTS["in"])
    outside = _customer(personas.other_rep, TEXTS["out"])
    _contracts(personas.rep, personas.manager, inside, TEXTS["in"])
    _contracts(personas.other_rep, personas.other_manager, outside, TEXTS["out"])
    # The approvals moved both customers to the signed status.
    inside.refresh_from_db()
    outside.refresh_from_db()
    sharing.assign_agent(personas.boss, inside, personas.agent)
    sharing.share_customer(personas.rep, inside, personas.rep2, ShareAccess.READ, None)
    sharing.share_customer(
        personas.other_rep, outside, personas.other_manager, ShareAccess.READ, None
    )
    importers = ("boss", "manager", "rep", "other_rep")
    imports = {key: _import(getattr(personas, key)) for key in importers}
    viewers = ("boss", "manager", "rep", "agent", "other_rep")
    views = {
        key: web_services.save_list_view(getattr(personas, key), f"{key}的视图", "q=阀门")
        for key in viewers
    }
    field = field_services.create_custom_field(
        personas.boss,
        FieldTarget.CUSTOMER,
        {"key": "level", "field_type": "text", "label": "客户层级"},
    )
    product = sales_services.create_product(
        personas.boss, {"name": "不锈钢球阀", "code": "BV-316", "list_price": "420.00"}
    )
    pipeline = pipelines.create_pipeline(personas.boss, "项目型销售")
    spare_agent = User.objects.create_user(
        username="agent2",
        password="test-pass-123",
        display_name="第二代理",
        role=preset_role(Preset.AGENT),
    )
    campaign = lead_campaigns.create_campaign(
        personas.boss, {"name": "官网咨询", "fields": ["name", "mobile", "message"]}
    )
    Campaign.objects.filter(pk=campaign.pk).update(token=CAMPAIGN_TOKEN)
    campaign.refresh_from_db()
    intake_key = lead_campaigns.create_intake_key(
        personas.boss, "官网", campaign=campaign, source="website"
    )[0]
    tokens = {role: new_token(getattr(personas, role)) for role in ROLES}
    tokens[READER] = new_token(personas.rep2)
    pools, pool_customers, reason = _pools(personas)
    return World(
        personas,
        inside,
        outside,
        imports,
        views,
        field,
        product,
        pipeline,
        spare_agent,
        campaign,
        intake_key,
        _leads(personas),
        tokens,
        TEXTS,
        pools,
        pool_customers,
        reason,
        _rules(personas.boss, personas.rep),
        *_handovers(personas),
    )


def _handovers(personas: Personas) -> tuple[dict[str, Handover], dict[str, Offboarding]]:
    now = clock.now()
    people = {"in": personas.rep2, "out": personas.other_rep}
    handovers = {
        scope: Handover.objects.create(
            predecessor=user, mode=SuccessorMode.USERS, created_by=personas.boss, created_at=now
        )
        for scope, user in people.items()
    }
    offboardings = {
        scope: Offboarding.objects.create(
            user=user, last_day=clock.today(), started_by=personas.boss, started_at=now
        )
        for scope, user in people.items()
    }
    return handovers, offboardings


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Return every row of every table a request can change, ordered by primary key."""
    state: dict[str, list[tuple[Any, ...]]] = {}
    for model in apps.get_models(include_auto_created=True):
        label = model._meta.app_config.name
        if not (label.startswith("kehu.") or label in SNAPSHOT_APPS):
            continue
        skipped = VOLATILE.get((model._meta.app_label, model._meta.model_name or ""), set())
        columns = [field.attname for field in model._meta.concrete_fields]
        compared = [column for column in columns if column not in skipped]
        rows = _rows(model, compared)
        state[model._meta.label] = rows
    return state


def _rows(model: type[Model], columns: list[str]) -> list[tuple[Any, ...]]:
    return [
        tuple(json.dumps(value, sort_keys=True, default=str) for value in row)
        for row in model._default_manager.order_by("pk").values_list(*columns)
    ]
