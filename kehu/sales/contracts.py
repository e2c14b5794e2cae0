"""Every write to contracts: create, revise, add a file, submit, approve, reject and renew.

A user who may change a customer's deals and set contract amounts writes its contracts
(`check_contract_writer`). A contract counts as signed only when a manager approves it: a user
whose role may assign customers, who may change the customer and who did not submit it. A role
whose scope is the whole company (the boss) may approve its own submission, since no role is
above it. Approving moves the customer to the "signed" status. Each write records a timeline
event and an audit entry (docs/decisions/0014-contracts-and-payments.md).
"""

import dataclasses
import datetime as dt
import mimetypes
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from kehu.audit import services as audit
from kehu.audit.models import AuditAction
from kehu.core import clock
from kehu.customers.choices import CustomerStatus
from kehu.customers.models import Customer
from kehu.customers.queries import is_writable
from kehu.fields.models import FieldTarget
from kehu.fields.registry import field_map
from kehu.fields.values import parse_date
from kehu.org.models import Capability, DataScope, User
from kehu.org.policy import policy_for
from kehu.sales import cleaning
from kehu.sales.models import (
    Contract,
    ContractFile,
    ContractStatus,
    ContractVersion,
    Deal,
)
from kehu.sales.models.contracts import ZERO
from kehu.sales.queries import visible_deals
from kehu.sales.services import check_deal_creator, check_deal_owner
from kehu.timeline import events
from kehu.timeline.models import Event

MAX_FILES_PER_VERSION = 20
TERMS = ("title", "amount", "start_on", "end_on", "signed_on", "notes")


def check_contract_writer(actor: User, customer: Customer) -> None:
    """Raise PermissionDenied unless `actor` may write `customer`'s contracts.

    That needs the right to change the customer's deals and to set contract amounts. The forms
    call this before they show anything.
    """
    check_deal_creator(actor, customer)
    spec = field_map(FieldTarget.CONTRACT)["amount"]
    if not policy_for(actor).can_write(FieldTarget.CONTRACT, spec):
        raise PermissionDenied(
            _("Your role may not set contract amounts, so it may not write contracts.")
        )


def may_write_contracts(actor: User, customer: Customer) -> bool:
    try:
        check_contract_writer(actor, customer)
    except PermissionDenied:
        return False
    return True


def has_approver_role(actor: User) -> bool:
    """Return whether `actor`'s role approves contracts: it may assign customers and is not
    limited to the customers assigned to it. The importer reads this for signed contracts."""
    if not actor.is_active or not actor.has_capability(Capability.ASSIGN):
        return False
    role = actor.role
    return actor.is_superuser or (role is not None and role.data_scope != DataScope.ASSIGNED)


def check_contract_approver(actor: User, contract: Contract) -> None:
    """Raise PermissionDenied unless `actor` may approve or reject `contract`."""
    role = actor.role
    if not has_approver_role(actor):
        raise PermissionDenied(_("Only a manager may approve or reject contracts."))
    if not is_writable(actor, contract.customer):
        raise PermissionDenied(_("You may not change this customer's contracts."))
    whole_company = actor.is_superuser or (
        role is not None and role.data_scope == DataScope.COMPANY
    )
    if contract.submitted_by_id == actor.pk and not whole_company:
        raise PermissionDenied(
            _("You submitted this contract; another manager must approve or reject it.")
        )


def may_approve(actor: User, contract: Contract) -> bool:
    try:
        check_contract_approver(actor, contract)
    except PermissionDenied:
        return False
    return True


def store_file(version: ContractVersion, actor: User, upload: UploadedFile[Any]) -> ContractFile:
    """Store an uploaded file of a contract version under a generated name."""
    limit = settings.KEHU_MAX_ATTACHMENT_MB * 1024 * 1024
    size = upload.size or 0
    name = (upload.name or "file").replace("/", "_").replace("\\", "_")[-255:]
    if size > limit:
        message = _("The file %(name)s is larger than %(limit)d MB.") % {
            "name": name,
            "limit": settings.KEHU_MAX_ATTACHMENT_MB,
        }
        raise ValidationError({"files": [message]})
    if size == 0:
        raise ValidationError({"files": [_("The file %(name)s is empty.") % {"name": name}]})
    stored = ContractFile(
        version=version,
        original_name=name,
        content_type=mimetypes.guess_type(name)[0] or "application/octet-stream",
        size=size,
        uploaded_by=actor,
        uploaded_at=clock.now(),
    )
    stored.file.save("upload", upload, save=False)
    stored.save()
    return stored


def _check_files(files: Sequence[UploadedFile[Any]]) -> None:
    if len(files) > MAX_FILES_PER_VERSION:
        message = _("Attach at most %(count)d files at a time.") % {"count": MAX_FILES_PER_VERSION}
        raise ValidationError({"files": [message]})


def _add_version(
    contract: Contract,
    actor: User,
    change_note: str,
    files: Sequence[UploadedFile[Any]],
) -> ContractVersion:
    version = ContractVersion.objects.create(
        contract=contract,
        number=contract.current_version,
        change_note=change_note,
        author=actor,
        created_at=clock.now(),
        **{key: getattr(contract, key) for key in TERMS},
    )
    for upload in files:
        store_file(version, actor, upload)
    return version


def event_data(contract: Contract, **values: Any) -> dict[str, Any]:
    """Return the `data` of a contract event; the amount follows "contract.amount" when shown."""
    return {
        "contract": str(contract.public_id),
        "number": contract.number,
        "title": contract.title,
        "amount": str(contract.amount),
        **values,
    }


def _check_deal(actor: User, customer: Customer, deal: Deal | None) -> None:
    if deal is not None and (
        deal.customer_id != customer.pk or not visible_deals(actor).filter(pk=deal.pk).exists()
    ):
        raise ValidationError({"deal": [_("The deal must be one of this customer's deals.")]})


def _free_number(number: str) -> str:
    """Return `number`, or it with the first free suffix "-2", "-3"... when an imported
    contract already has it."""
    taken = set(Contract.objects.filter(number__startswith=number).values_list("number", flat=True))
    candidate, suffix = number, 1
    while candidate in taken:
        suffix += 1
        candidate = f"{number}-{suffix}"
    return candidate


def create_contract(
    actor: User,
    customer: Customer,
    values: Mapping[str, Any],
    *,
    deal: Deal | None = None,
    owner: User | None = None,
    files: Sequence[UploadedFile[Any]] = (),
    renewal_of: Contract | None = None,
) -> Contract:
    """Create a draft contract as version 1 with its files; the owner defaults to the actor."""
    check_contract_writer(actor, customer)
    _check_deal(actor, customer, deal)
    owner = owner or actor
    if owner != actor:
        check_deal_owner(actor, owner)
    cleaned = cleaning.clean_contract(values)
    _check_files(files)

    now = clock.now()
    with transaction.atomic():
        public_id = uuid.uuid4()
        contract = Contract.objects.create(
            public_id=public_id,
            number=public_id.hex,
            customer=customer,
            deal=deal,
            owner=owner,
            creator=actor,
            renewal_of=renewal_of,
            created_at=now,
            updated_at=now,
            **cleaned,
        )
        contract.number = _free_number(f"HT{now.year}{contract.pk:06d}")
        contract.save(update_fields=["number"])
        _add_version(contract, actor, "", files)
        events.contract_created(customer.pk, actor, event_data(contract)).save()
        audit.record(
            actor,
            AuditAction.CONTRACT_CREATED,
            "contract",
            contract.public_id,
            {"customer": str(customer.public_id), "amount": str(contract.amount)},
        )
    return contract


def _locked(actor: User, contract: Contract) -> Contract:
    check_contract_writer(actor, contract.customer)
    return Contract.objects.select_for_update().get(pk=contract.pk)


def _check_version(locked: Contract, expected_version: int | None) -> None:
    if expected_version is not None and locked.current_version != expected_version:
        message = _("Someone else changed this contract after you opened it. Reload and try again.")
        raise ValidationError({"version": [message]})


def revise_contract(
    actor: User,
    contract: Contract,
    values: Mapping[str, Any],
    *,
    change_note: str = "",
    files: Sequence[UploadedFile[Any]] = (),
    expected_version: int | None = None,
) -> Contract:
    """Change a draft or rejected contract's terms as a new version, which keeps the old one.

    The planned instalments must still fit the new amount. A rejected contract goes back to
    draft, ready to submit again.
    """
    check_contract_writer(actor, contract.customer)
    cleaned = cleaning.clean_contract(values)
    note = cleaning.clean_comment(change_note)
    _check_files(files)
    with transaction.atomic():
        locked = _locked(actor, contract)
        _check_version(locked, expected_version)
        if not locked.is_editable:
            raise ValidationError(
                {
                    "status": [
                        _(
                            "Only a draft or rejected contract can change. Renew a signed "
                            "contract instead."
                        )
                    ]
                }
            )
        planned = sum((plan.amount for plan in locked.plans.all()), ZERO)
        if planned > cleaned["amount"]:
            raise ValidationError(
                {
                    "amount": [
                        _(
                            "The payment plan adds up to %(planned)s, more than the new amount "
                            "%(amount)s. Change the plan first."
                        )
                        % {"planned": planned, "amount": cleaned["amount"]}
                    ]
                }
            )
        for key, value in cleaned.items():
            setattr(locked, key, value)
        locked.status = ContractStatus.DRAFT
        locked.current_version = F("current_version") + 1
        locked.updated_at = clock.now()
        locked.save()
        locked.refresh_from_db(fields=["current_version"])
        version = _add_version(locked, actor, note, files)
        data = event_data(locked, version=version.number, note=note)
        events.contract_version_added(locked.customer_id, actor, data).save()
        audit.record(
            actor,
            AuditAction.CONTRACT_VERSION_ADDED,
            "contract",
            locked.public_id,
            {"version": version.number, "amount": str(locked.amount)},
        )
    return locked


def add_file(actor: User, contract: Contract, upload: UploadedFile[Any]) -> ContractFile:
    """Attach a file to the contract's current version, in any status.

    A signed contract's scan usually arrives after the approval, so this does not need an
    editable contract and does not add a version.
    """
    check_contract_writer(actor, contract.customer)
    with transaction.atomic():
        locked = _locked(actor, contract)
        version = locked.versions.get(number=locked.current_version)
        if version.files.count() >= MAX_FILES_PER_VERSION:
            message = _("A contract version has at most %(count)d files.") % {
                "count": MAX_FILES_PER_VERSION
            }
            raise ValidationError({"files": [message]})
        stored = store_file(version, actor, upload)
        events.attachment_added(
            locked.customer_id,
            actor,
            stored.original_name,
            stored.size,
            contract=str(locked.public_id),
        ).save()
        audit.record(
            actor,
            AuditAction.CONTRACT_CHANGED,
            "contract",
            locked.public_id,
            {"file": stored.original_name, "version": version.number},
        )
    return stored


def submit_contract(actor: User, contract: Contract, comment: str = "") -> Contract:
    """Send a draft or rejected contract to a manager for approval."""
    check_contract_writer(actor, contract.customer)
    note = cleaning.clean_comment(comment)
    with transaction.atomic():
        locked = _locked(actor, contract)
        if not locked.is_editable:
            raise ValidationError(
                {"status": [_("Only a draft or rejected contract can be submitted.")]}
            )
        locked.status = ContractStatus.PENDING
        locked.submitted_by = actor
        locked.submitted_at = clock.now()
        locked.decided_by = None
        locked.decided_at = None
        locked.decision_comment = ""
        locked.updated_at = clock.now()
        locked.save()
        events.contract_submitted(
            locked.customer_id, actor, event_data(locked, comment=note)
        ).save()
        audit.record(
            actor, AuditAction.CONTRACT_SUBMITTED, "contract", locked.public_id, {"comment": note}
        )
    return locked


def _decide(
    actor: User, contract: Contract, comment: str, *, approve: bool, signed_on: dt.date | None
) -> Contract:
    with transaction.atomic():
        locked = Contract.objects.select_for_update().select_related("customer").get(pk=contract.pk)
        check_contract_approver(actor, locked)
        if locked.status != ContractStatus.PENDING:
            raise ValidationError(
                {"status": [_("Only a contract awaiting approval can be approved or rejected.")]}
            )
        now = clock.now()
        locked.status = ContractStatus.SIGNED if approve else ContractStatus.REJECTED
        locked.decided_by = actor
        locked.decided_at = now
        locked.decision_comment = comment
        if approve:
            locked.signed_on = signed_on or locked.signed_on or clock.today()
        locked.updated_at = now
        locked.save()
        data = event_data(locked, comment=comment)
        if approve:
            data["signed_on"] = locked.signed_on.isoformat() if locked.signed_on else None
            events.contract_approved(locked.customer_id, actor, data).save()
            mark_customer_signed(actor, locked.customer_id)
        else:
            events.contract_rejected(locked.customer_id, actor, data).save()
        action = AuditAction.CONTRACT_APPROVED if approve else AuditAction.CONTRACT_REJECTED
        audit.record(actor, action, "contract", locked.public_id, {"comment": comment})
    return locked


@dataclasses.dataclass(frozen=True)
class StatusMove:
    """A customer's move to the "signed" status: the status before, the customer's version
    after, and the saved fields-changed event."""

    previous: str
    version: int
    event: Event


def mark_customer_signed(actor: User, customer_id: int) -> StatusMove | None:
    """Move the customer to the "signed" status, with a fields-changed event when it moves.

    Locks the customer row. Returns None when the customer already had the status.
    """
    locked = Customer.objects.select_for_update().get(pk=customer_id)
    if locked.status == CustomerStatus.WON:
        return None
    old = locked.status
    Customer.objects.filter(pk=locked.pk).update(
        status=CustomerStatus.WON, updated_at=clock.now(), version=F("version") + 1
    )
    event = events.fields_changed(locked.pk, actor, {"status": (old, CustomerStatus.WON.value)})
    event.save()
    return StatusMove(old, locked.version + 1, event)


def approve_contract(
    actor: User, contract: Contract, comment: str = "", *, signed_on: Any = None
) -> Contract:
    """Approve a contract awaiting approval: it counts as signed from now on.

    The signing date is `signed_on`, else the date the contract already has, else today. The
    customer moves to the "signed" status.
    """
    note = cleaning.clean_comment(comment)
    try:
        signed = parse_date(signed_on)
    except ValueError as error:
        raise ValidationError({"signed_on": [str(error)]}) from None
    if signed is not None and signed > clock.today():
        message = _("The date %(date)s is in the future.") % {"date": signed.isoformat()}
        raise ValidationError({"signed_on": [message]})
    return _decide(actor, contract, note, approve=True, signed_on=signed)


def reject_contract(actor: User, contract: Contract, comment: str) -> Contract:
    """Reject a contract awaiting approval; the comment saying why is required."""
    note = cleaning.clean_comment(comment, required=True)
    return _decide(actor, contract, note, approve=False, signed_on=None)


def renew_contract(
    actor: User,
    contract: Contract,
    values: Mapping[str, Any],
    *,
    files: Sequence[UploadedFile[Any]] = (),
) -> Contract:
    """Create the draft contract that renews a signed one, linked to it; a contract renews once.

    The renewal keeps the customer and deal, and the owner when the actor may give it to them
    (else the actor owns it). It goes through approval like any contract.
    """
    check_contract_writer(actor, contract.customer)
    owner = contract.owner
    if owner != actor and not _may_give(actor, owner):
        owner = actor
    with transaction.atomic():
        locked = _locked(actor, contract)
        if locked.status != ContractStatus.SIGNED:
            raise ValidationError({"status": [_("Only a signed contract can be renewed.")]})
        existing = Contract.objects.filter(renewal_of=locked).first()
        if existing is not None:
            message = _("This contract is already renewed by %(number)s.") % {
                "number": existing.number
            }
            raise ValidationError({"renewal": [message]})
        renewal = create_contract(
            actor,
            locked.customer,
            values,
            deal=locked.deal,
            owner=owner,
            files=files,
            renewal_of=locked,
        )
        data = event_data(renewal, renews=locked.number)
        events.contract_renewed(locked.customer_id, actor, data).save()
        audit.record(
            actor,
            AuditAction.CONTRACT_RENEWED,
            "contract",
            locked.public_id,
            {"renewal": str(renewal.public_id)},
        )
    return renewal


def _may_give(actor: User, owner: User) -> bool:
    try:
        check_deal_owner(actor, owner)
    except (PermissionDenied, ValidationError):
        return False
    return True
