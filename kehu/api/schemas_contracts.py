"""Request and response bodies of the contract and payment collection endpoints.

Money travels as decimal text in yuan with two places. Contract fields follow the "contract"
field policy and instalments and receipts the "payment" one: absent when hidden, masked when
masked. Files are listed only to callers who read the contract amount, because a scan shows it.
"""

import datetime as dt
import uuid

from ninja import Schema
from pydantic import MISSING, Field, StrictInt

from kehu.api.schemas import InputSchema, UserRef, policy_field
from kehu.api.schemas_sales import MONEY_TEXT, CustomerRef


class ContractFileOut(Schema):
    id: uuid.UUID
    name: str
    size: int
    content_type: str
    uploaded_at: dt.datetime


class ContractVersionOut(Schema):
    number: int
    title: str | MISSING = policy_field()
    amount: str | MISSING = policy_field(MONEY_TEXT)
    start_on: dt.date | str | MISSING = policy_field()
    end_on: dt.date | str | MISSING | None = policy_field()
    signed_on: dt.date | str | MISSING | None = policy_field()
    notes: str | MISSING = policy_field()
    change_note: str
    author: UserRef | None
    created_at: dt.datetime
    files: list[ContractFileOut] | MISSING = policy_field(
        "Left out when your role hides contract amounts."
    )


class InstalmentOut(Schema):
    position: int
    due_on: dt.date | str | MISSING = policy_field()
    amount: str | MISSING = policy_field(MONEY_TEXT)
    paid: str | MISSING = policy_field("Paid by the receipts, taken in due-date order.")
    remaining: str | MISSING = policy_field()
    overdue: bool | MISSING = policy_field("Due before today and not yet paid in full.")
    note: str


class ReceiptOut(Schema):
    id: uuid.UUID
    received_on: dt.date | str | MISSING = policy_field()
    amount: str | MISSING = policy_field(MONEY_TEXT)
    method: str | MISSING = policy_field(
        "bank_transfer, acceptance_bill, wechat_pay, alipay, cash, cheque or other."
    )
    reference: str | MISSING = policy_field()
    note: str
    recorded_by: UserRef | None
    recorded_at: dt.datetime
    voided: bool = Field(description="A voided receipt counts in none of the sums.")
    voided_by: UserRef | None
    voided_at: dt.datetime | None
    void_reason: str | MISSING = policy_field(
        'Why it was voided; "" unless voided. Follows the amount\'s field policy, because it '
        "may quote the amount."
    )


class CollectionOut(Schema):
    planned: str | MISSING = policy_field("Sum of the instalments.")
    collected: str | MISSING = policy_field("Sum of the receipts that are not void.")
    outstanding: str | MISSING = policy_field("Contract amount minus collected.")
    overdue: str | MISSING = policy_field("Instalments due before today not covered.")


class ContractOut(Schema):
    id: uuid.UUID
    number: str | MISSING = policy_field()
    title: str | MISSING = policy_field()
    customer: CustomerRef
    deal: uuid.UUID | None
    status: str | MISSING = policy_field("draft, pending (awaiting approval), rejected or signed.")
    amount: str | MISSING = policy_field(MONEY_TEXT)
    start_on: dt.date | str | MISSING = policy_field()
    end_on: dt.date | str | MISSING | None = policy_field()
    signed_on: dt.date | str | MISSING | None = policy_field()
    notes: str | MISSING = policy_field()
    owner: UserRef | str | MISSING = policy_field()
    renewal_of: uuid.UUID | None = Field(description="The contract this one renews.")
    renewed_by: uuid.UUID | None = Field(description="The contract that renews this one.")
    current_version: int
    submitted_by: UserRef | None
    submitted_at: dt.datetime | None
    decided_by: UserRef | None
    decided_at: dt.datetime | None
    decision_comment: str
    created_at: dt.datetime
    updated_at: dt.datetime
    collection: CollectionOut
    plans: list[InstalmentOut]
    receipts: list[ReceiptOut]
    versions: list[ContractVersionOut] = Field(description="Every version, the first one first.")


class ContractSummaryOut(Schema):
    id: uuid.UUID
    number: str | MISSING = policy_field()
    title: str | MISSING = policy_field()
    customer: CustomerRef
    status: str | MISSING = policy_field()
    amount: str | MISSING = policy_field(MONEY_TEXT)
    collected: str | MISSING = policy_field()
    outstanding: str | MISSING = policy_field()
    overdue: str | MISSING = policy_field()
    signed_on: dt.date | str | MISSING | None = policy_field()
    end_on: dt.date | str | MISSING | None = policy_field()


class ContractPage(Schema):
    items: list[ContractSummaryOut]
    next_page: int | None


class ContractIn(InputSchema):
    customer: uuid.UUID
    deal: uuid.UUID | None = Field(None, description="One of the customer's deals.")
    title: str
    amount: str = Field(description=MONEY_TEXT)
    start_on: str
    end_on: str | None = None
    signed_on: str | None = None
    notes: str | None = None


class ContractTermsIn(InputSchema):
    title: str
    amount: str = Field(description=MONEY_TEXT)
    start_on: str
    end_on: str | None = None
    signed_on: str | None = None
    notes: str | None = None
    change_note: str | None = Field(None, description="What changed; kept with the version.")
    expected_version: StrictInt | None = Field(
        None, description="The version you edited; 422 when someone saved another since."
    )


class RenewalIn(InputSchema):
    title: str
    amount: str = Field(description=MONEY_TEXT)
    start_on: str
    end_on: str | None = None
    signed_on: str | None = None
    notes: str | None = None


class CommentIn(InputSchema):
    comment: str | None = None


class ApprovalIn(InputSchema):
    comment: str | None = None
    signed_on: str | None = Field(
        None, description="Default: the contract's signing date, else today."
    )


class RejectionIn(InputSchema):
    comment: str = Field(description="Why; required.")


class InstalmentIn(InputSchema):
    due_on: str
    amount: str = Field(description=MONEY_TEXT)
    note: str | None = None


class PlansIn(InputSchema):
    plans: list[InstalmentIn] = Field(description="Replaces every instalment; [] removes all.")


class ReceiptVoidIn(InputSchema):
    reason: str = Field(description="Why the receipt is void, such as a wrong amount. Required.")


class ReceiptIn(InputSchema):
    received_on: str
    amount: str = Field(description=MONEY_TEXT)
    method: str = Field(
        description="bank_transfer, acceptance_bill, wechat_pay, alipay, cash, cheque or other."
    )
    reference: str | None = None
    note: str | None = None
