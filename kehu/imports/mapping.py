"""Import targets (the fields a column can fill) and the suggested mapping of column titles.

Titles match the field registry's labels and synonyms (FieldSpec.synonyms) in any language,
custom fields by their labels. A target is a string such as "customer.name", "contact.mobile"
or "follow_up.content"; "" means the column is ignored.

The importing user's field policy decides which targets exist for them: only fields their role
may write, so a hidden field is never offered, suggested or accepted, and a column titled like a
field they may not write stays unmapped.
"""

import dataclasses
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kehu.fields.models import FieldTarget, FieldType
from kehu.fields.registry import FieldSpec, field_map, fields_for
from kehu.imports.models import ImportKind
from kehu.org.policy import FieldPolicy

# Fields that other records derive; an import never sets them directly.
NOT_IMPORTABLE = {"last_follow_up_at"}
PARENT = "customer.parent"
# Follow-up targets that also write a customer field, so that field's policy governs them.
CUSTOMER_FIELD_OF = {"follow_up.next_follow_up_on": "next_follow_up_on"}


@dataclasses.dataclass(frozen=True)
class Target:
    key: str
    label: str | Promise
    field_type: str
    synonyms: Sequence[str] = ()
    spec: FieldSpec | None = None
    required: bool = False
    # The column finds a stored customer by name instead of writing the name.
    lookup: bool = False

    @property
    def label_text(self) -> str:
        return str(self.label)

    @property
    def field_key(self) -> str:
        """Return the field key without its record prefix: "contact.mobile" -> "mobile"."""
        return self.key.split(".", 1)[1]


def _from_spec(prefix: str, spec: FieldSpec, label: str | Promise | None = None) -> Target:
    return Target(
        f"{prefix}.{spec.key}",
        label or spec.label,
        spec.field_type,
        tuple(spec.synonyms),
        spec,
    )


def _follow_up_targets() -> list[Target]:
    return [
        Target(
            "follow_up.kind",
            _("Follow-up type"),
            FieldType.CHOICE,
            ("跟进方式", "跟进类型", "联系方式", "方式", "follow-up type", "type", "channel"),
            required=True,
        ),
        Target(
            "follow_up.occurred_at",
            _("Follow-up time"),
            FieldType.DATETIME,
            ("跟进时间", "跟进日期", "联系时间", "时间", "日期", "date", "time", "occurred at"),
        ),
        Target(
            "follow_up.content",
            _("Follow-up content"),
            FieldType.LONG_TEXT,
            ("跟进内容", "跟进记录", "内容", "沟通内容", "content", "notes", "note"),
            required=True,
        ),
        Target(
            "follow_up.author",
            _("Follow-up author"),
            FieldType.USER,
            ("跟进人", "记录人", "author", "by"),
        ),
        Target(
            "follow_up.purpose",
            _("Purpose of the visit"),
            FieldType.TEXT,
            ("拜访目的", "目的", "purpose"),
        ),
        Target("follow_up.result", _("Result"), FieldType.TEXT, ("结果", "跟进结果", "result")),
        Target(
            "follow_up.next_step",
            _("Next step"),
            FieldType.TEXT,
            ("下一步", "下一步计划", "next step"),
        ),
        Target(
            "follow_up.next_follow_up_on",
            _("Next follow-up"),
            FieldType.DATE,
            ("下次联系时间", "下次跟进时间", "next follow-up"),
        ),
    ]


# Extra titles of product, deal and deal-line fields, as other CRMs and spreadsheets write them.
SALES_SYNONYMS: dict[str, tuple[str, ...]] = {
    "product.name": ("产品名称", "产品", "商品名称", "商品", "product", "product name"),
    "product.code": ("产品编号", "产品编码", "商品编码", "编码", "编号", "货号", "sku", "code"),
    "product.unit": ("单位", "计量单位", "unit"),
    "product.list_price": (
        "标准价", "价格", "售价", "单价", "list price", "price", "sales price", "unit price",
    ),
    "product.cost": ("成本", "成本价", "cost"),
    "product.is_active": ("启用", "在售", "状态", "active"),
    "deal.name": ("商机名称", "商机", "机会名称", "deal", "deal name", "opportunity"),
    "deal.amount": (
        "金额", "商机金额", "预计金额", "成交金额", "amount", "value", "deal value", "close value",
    ),
    "deal.expected_close_on": ("预计成交日期", "预计签单日期", "expected close date"),
    "deal.stage": ("阶段", "销售阶段", "商机阶段", "stage", "deal stage"),
    "deal.owner": ("负责人", "销售", "销售员", "业务员", "owner", "sales agent", "sales rep"),
    "deal.lost_reason": ("输单原因", "丢单原因", "lost reason"),
    "deal.created_at": ("创建时间", "创建日期", "开始日期", "engage date", "created at"),
    "deal.closed_at": ("关闭日期", "成交日期", "结单日期", "close date", "closed at"),
    "deal_line.product": ("产品", "产品名称", "产品编号", "product"),
    "deal_line.quantity": ("数量", "quantity", "qty"),
    "deal_line.unit_price": ("单价", "成交单价", "unit price", "price"),
    "contract.number": ("合同编号", "合同号", "contract number", "contract no", "contract id"),
    "contract.title": ("合同名称", "合同标题", "contract title", "contract name"),
    "contract.amount": ("合同金额", "签约金额", "金额", "contract amount", "amount", "value"),
    "contract.start_on": ("开始日期", "合同开始日期", "生效日期", "start date"),
    "contract.end_on": ("结束日期", "合同结束日期", "到期日期", "end date"),
    "contract.signed_on": ("签订日期", "签约日期", "签署日期", "signing date", "date signed"),
    "contract.status": ("合同状态", "状态", "status"),
    "contract.owner": ("负责人", "签约人", "销售", "业务员", "owner", "sales rep"),
    "contract.notes": ("备注", "notes", "note", "remarks"),
    "payment.received": ("已回款", "回款金额", "已收款", "收款金额", "amount received"),
    "payment.received_on": ("回款日期", "收款日期", "到账日期", "date received"),
    "payment.method": ("付款方式", "收款方式", "回款方式", "payment method"),
    "payment.reference": ("流水号", "交易流水号", "payment reference"),
}  # fmt: skip
# Payment fields a contract row may fill: one payment received, not the instalment plan.
CONTRACT_PAYMENT_FIELDS = ("received", "received_on", "method", "reference")


def _sales_targets(record: str) -> list[Target]:
    targets = []
    for spec in fields_for(record):
        if spec.is_custom:
            continue
        key = f"{record}.{spec.key}"
        target = _from_spec(record, spec)
        targets.append(dataclasses.replace(target, synonyms=SALES_SYNONYMS.get(key, ())))
    return targets


def _product_targets() -> list[Target]:
    targets = _sales_targets(FieldTarget.PRODUCT)
    # The code is optional in a file: a product without one is known by its name.
    return [dataclasses.replace(t, required=t.key == "product.name") for t in targets]


def _customer_lookup_targets() -> list[Target]:
    """Return the columns that find a deal's or contract's customer: name and credit code."""
    customer_specs = field_map(FieldTarget.CUSTOMER)
    generic = {"name", "名称", "公司", "company"}
    name_spec = customer_specs["name"]
    customer = Target(
        "customer.name",
        name_spec.label,
        FieldType.TEXT,
        (*(s for s in name_spec.synonyms if s not in generic), "所属客户"),
        name_spec,
        lookup=True,
    )
    code_spec = customer_specs["credit_code"]
    credit_code = dataclasses.replace(_from_spec("customer", code_spec), lookup=True)
    return [customer, credit_code]


def _deal_targets() -> list[Target]:
    deals = _sales_targets(FieldTarget.DEAL)
    pipeline = Target(
        "deal.pipeline", _("Pipeline"), FieldType.TEXT, ("销售流程", "流程", "pipeline")
    )
    external_ref = Target(
        "deal.external_ref",
        _("ID in the previous system"),
        FieldType.TEXT,
        ("商机编号", "商机id", "原系统编号", "原编号", "opportunity id", "deal id", "id"),
    )
    lines = _sales_targets(FieldTarget.DEAL_LINE)
    return [*deals, pipeline, external_ref, *lines, *_customer_lookup_targets()]


def _contract_targets() -> list[Target]:
    required = {"contract.number", "contract.amount", "contract.start_on"}
    contracts = [
        dataclasses.replace(target, required=target.key in required)
        for target in _sales_targets(FieldTarget.CONTRACT)
    ]
    deal = Target(
        "contract.deal",
        _("Deal (its ID in the previous system or its name)"),
        FieldType.TEXT,
        ("商机", "关联商机", "商机编号", "商机名称", "deal", "deal id", "opportunity"),
    )
    payments = [
        target
        for target in _sales_targets(FieldTarget.PAYMENT)
        if target.field_key in CONTRACT_PAYMENT_FIELDS
    ]
    return [*contracts, deal, *payments, *_customer_lookup_targets()]


def _user_targets() -> list[Target]:
    """Return the columns of a sales team roster; the import services check them all."""
    return [
        Target(
            "user.display_name",
            _("Full name"),
            FieldType.TEXT,
            ("姓名", "名字", "销售", "销售员", "业务员", "员工", "sales agent", "sales rep",
             "agent", "employee", "display name", "name"),
            required=True,
        ),
        Target(
            "user.username", _("Username"), FieldType.TEXT, ("用户名", "账号", "username", "login")
        ),
        Target("user.email", _("Email"), FieldType.TEXT, ("邮箱", "电子邮箱", "email", "e-mail")),
        Target(
            "user.manager",
            _("Manager"),
            FieldType.TEXT,
            ("上级", "直属上级", "经理", "销售经理", "主管", "manager", "reports to", "supervisor"),
        ),
        Target(
            "user.department",
            _("Department"),
            FieldType.TEXT,
            ("部门", "所属部门", "区域", "大区", "办事处", "department", "team", "regional office",
             "office", "region"),
        ),
        Target("user.role", _("Role"), FieldType.TEXT, ("角色", "岗位", "role")),
    ]  # fmt: skip


def target_map(kind: str) -> dict[str, Target]:
    """Return every target of this kind of import by key, whatever the importing user's role.

    For reading a mapping that the import services have already checked against the policy.
    """
    return {target.key: target for target in _all_targets(kind)}


def _all_targets(kind: str) -> list[Target]:
    customer_specs = [s for s in fields_for(FieldTarget.CUSTOMER) if s.key not in NOT_IMPORTABLE]
    contact_specs = fields_for(FieldTarget.CONTACT)
    by_key = {spec.key: spec for spec in customer_specs}
    customer_name = by_key["name"]
    if kind == ImportKind.CONTACTS:
        generic = {"name", "名称", "客户", "customer"}
        contacts = [_from_spec("contact", spec) for spec in contact_specs]
        name = contacts[0]
        contacts[0] = dataclasses.replace(name, synonyms=(*name.synonyms, "name", "名称"))
        customer = Target(
            "customer.name",
            customer_name.label,
            FieldType.TEXT,
            (*(s for s in customer_name.synonyms if s not in generic), "所属客户"),
            customer_name,
            required=True,
            lookup=True,
        )
        return [*contacts, customer]
    if kind == ImportKind.PRODUCTS:
        return _product_targets()
    if kind == ImportKind.DEALS:
        return _deal_targets()
    if kind == ImportKind.CONTRACTS:
        return _contract_targets()
    if kind == ImportKind.USERS:
        return _user_targets()
    if kind == ImportKind.FOLLOW_UPS:
        customer = dataclasses.replace(
            _from_spec("customer", customer_name), required=True, lookup=True
        )
        return [customer, *_follow_up_targets()]
    parent = Target(
        PARENT,
        _("Company of this contact (a contact row)"),
        FieldType.TEXT,
        ("所属公司", "所属客户", "上级公司", "related company", "parent company", "company of"),
        customer_name,
        lookup=True,
    )
    customers = [_from_spec("customer", spec) for spec in customer_specs]
    customers[0] = dataclasses.replace(customers[0], required=True)
    return [*customers, parent, *(_from_spec("contact", spec) for spec in contact_specs)]


def may_import_into(policy: FieldPolicy, target: Target) -> bool:
    """Return whether the policy lets the user fill `target` from a column.

    A column that writes a field needs the field to be editable. A column that only finds a
    customer by name needs the whole name to be readable, since matching on a masked or hidden
    name would reveal it.
    """
    if target.lookup:
        assert target.spec is not None
        return policy.reads_whole(FieldTarget.CUSTOMER, target.spec)
    record = target.key.partition(".")[0]
    if record == "user":
        # Users have no field policy: the manage-users capability governs the whole import.
        return True
    if target.spec is None and record == FieldTarget.DEAL:
        # The pipeline goes with the stage; the previous system's ID is the import's own.
        stage = field_map(FieldTarget.DEAL)["stage"]
        return target.key != "deal.pipeline" or policy.can_write(FieldTarget.DEAL, stage)
    if target.key == "contract.deal":
        # The column finds a deal by its name, which must then be readable as a whole.
        return policy.reads_whole(FieldTarget.DEAL, field_map(FieldTarget.DEAL)["name"])
    if record == "follow_up":
        customer_field = CUSTOMER_FIELD_OF.get(target.key)
        if customer_field is None:
            return True
        spec = field_map(FieldTarget.CUSTOMER).get(customer_field)
        return spec is not None and policy.can_write(FieldTarget.CUSTOMER, spec)
    assert target.spec is not None
    return policy.can_write(record, target.spec)


def targets_for(kind: str, policy: FieldPolicy) -> list[Target]:
    """Return the targets the policy's user may import into, in matching priority."""
    return [target for target in _all_targets(kind) if may_import_into(policy, target)]


_PUNCTUATION = re.compile(r"[\s_\-:：·.。/\\()（）\[\]【】*＊]+")


def title_key(title: str) -> str:
    """Return the comparison form of a title: width folded, lower case, no spaces or punctuation."""
    return _PUNCTUATION.sub("", unicodedata.normalize("NFKC", title).lower())


def _names_of(target: Target) -> list[str]:
    names = [str(target.label), *target.synonyms]
    with translation.override("en"):
        names.append(str(target.label))
    with translation.override("zh-hans"):
        names.append(str(target.label))
    return names


def title_index(kind: str, policy: FieldPolicy | None) -> dict[str, str]:
    """Return {title key: target key}; a title claimed by an earlier target keeps it.

    With a policy, only the targets its user may import into take part, so a title of a field
    they may not write matches nothing. Without one, every target does.
    """
    targets = _all_targets(kind) if policy is None else targets_for(kind, policy)
    index: dict[str, str] = {}
    for target in targets:
        for name in _names_of(target):
            key = title_key(name)
            if key and key not in index:
                index[key] = target.key
    return index


def _lookup(index: Mapping[str, str], title: str) -> str:
    found = index.get(title_key(title), "")
    if found or " " not in title:
        return found
    # A joined two-row title ("联系人 手机"): the lower part names the field more precisely.
    parts = title.split(" ")
    for part in reversed(parts):
        found = index.get(title_key(part), "")
        if found:
            return found
    return ""


def known_title_test(kind: str) -> Callable[[str], bool]:
    """Return a test for titles of any target, for finding the header row.

    It ignores the field policy: the test only locates the titles and maps nothing.
    """
    index = title_index(kind, None)
    return lambda title: bool(_lookup(index, title))


def suggest(
    kind: str, policy: FieldPolicy, titles: Sequence[str], untitled: Sequence[bool] = ()
) -> list[str]:
    """Return a target for each column; each target goes to the first column that matches it."""
    index = title_index(kind, policy)
    used: set[str] = set()
    result = []
    for position, title in enumerate(titles):
        target = "" if position < len(untitled) and untitled[position] else _lookup(index, title)
        if target in used:
            target = ""
        if target:
            used.add(target)
        result.append(target)
    return result


def from_template(
    columns: Mapping[str, str], titles: Sequence[str], kind: str, policy: FieldPolicy
) -> list[str]:
    """Apply a saved template to this file's titles; unknown titles fall back to suggestions.

    A template target that the policy's user may not import into leaves its column ignored.
    """
    suggested = suggest(kind, policy, titles)
    valid = {target.key for target in targets_for(kind, policy)}
    result = []
    for title, fallback in zip(titles, suggested, strict=True):
        key = title_key(title)
        target = columns.get(key, fallback)
        result.append(target if target in valid else "")
    return result


def template_columns(titles: Sequence[str], targets: Sequence[str]) -> dict[str, str]:
    return {title_key(title): target for title, target in zip(titles, targets, strict=True)}
