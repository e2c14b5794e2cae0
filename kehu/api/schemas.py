"""Request and response bodies of the API, as they appear in the OpenAPI schema.

Field values in requests are passed to the services as sent, so they accept what the pages and
the importer accept (codes or Chinese labels for choices, several date forms). Custom fields sit
under "custom", keyed by their field-registry key ("cf_budget"), in requests and responses.

Responses follow the caller's field policy: a field the caller's role hides is absent, and a
masked one holds its partial value as text (138****5678), whatever the field's type. That is why
the record fields below are optional and some accept text besides their own type.
"""

import datetime as dt
import uuid
from typing import Any, Literal

from ninja import Schema
from pydantic import MISSING, ConfigDict, Field, StrictBool, StrictInt


def _absent() -> Any:
    return MISSING


# These times equal the customer's creation time until the first change, so they follow the
# caller's access to the customer's created_at.
CREATION_TIME = "Shown, masked or left out as the customer's created_at is for the caller."


def policy_field(description: str | None = None) -> Any:
    """Declare a response field that is left out when the caller's role hides it.

    The default comes from a factory because django-ninja's OpenAPI generator (1.7) cannot
    encode MISSING as a default value.
    """
    return Field(default_factory=_absent, description=description)


class InputSchema(Schema):
    """A request body: unknown keys are errors.

    Its yes/no and whole-number fields are StrictBool and StrictInt, because pydantic's default
    (lax) mode turns "yes", "on" or 1 into true and true or "3" into a number.
    """

    model_config = ConfigDict(extra="forbid")


class ErrorOut(Schema):
    detail: str


class ValidationErrorOut(Schema):
    errors: dict[str, list[str]] = Field(
        description="Messages keyed by field. The field of an array item is named by its index "
        'in the array as sent, from 0: "contacts.0.mobile" is the first contact\'s mobile.'
    )


class DuplicateOut(Schema):
    detail: str
    messages: list[str]
    blocking: bool = Field(
        description="True for an exact match; a close match can be created with allow_similar."
    )


class UserRef(Schema):
    id: uuid.UUID
    name: str


class ContactOut(Schema):
    id: uuid.UUID
    name: str | MISSING = policy_field()
    title: str | MISSING = policy_field()
    decision_role: str | MISSING = policy_field()
    mobile: str | MISSING = policy_field()
    phone: str | MISSING = policy_field()
    email: str | MISSING = policy_field()
    wechat: str | MISSING = policy_field()
    is_primary: bool | str | MISSING = policy_field()
    notes: str
    custom: dict[str, Any] = Field(description="The custom fields you may read, null when unset.")
    created_at: dt.datetime | str | MISSING = policy_field(CREATION_TIME)
    updated_at: dt.datetime | str | MISSING = policy_field(CREATION_TIME)
    version: int


class CustomerOut(Schema):
    id: uuid.UUID
    kind: str | MISSING = policy_field()
    name: str | MISSING = policy_field()
    short_name: str | MISSING = policy_field()
    credit_code: str | MISSING = policy_field()
    industry: str | MISSING = policy_field()
    size: str | MISSING = policy_field()
    province: str | MISSING = policy_field("GB/T 2260 province code, such as 33.")
    city: str | MISSING = policy_field("GB/T 2260 city code, such as 3301.")
    district: str | MISSING = policy_field("GB/T 2260 district code, such as 330106.")
    region: str | MISSING = policy_field("The division names, such as 浙江省杭州市西湖区.")
    address: str | MISSING = policy_field()
    grade: str | MISSING = policy_field()
    source: str | MISSING = policy_field()
    status: str | MISSING = policy_field()
    tags: list[str] | str | MISSING = policy_field('A masked list is "****", one text.')
    owner: UserRef | str | MISSING | None = policy_field()
    creator: UserRef | str | MISSING | None = policy_field()
    created_at: dt.datetime | str | MISSING = policy_field()
    updated_at: dt.datetime | str | MISSING = policy_field(CREATION_TIME)
    last_follow_up_at: dt.datetime | str | MISSING | None = policy_field()
    next_follow_up_on: dt.date | str | MISSING | None = policy_field()
    notes: str | MISSING = policy_field()
    custom: dict[str, Any] = Field(
        description="Every active custom field you may read, by key, null when unset."
    )
    version: int = Field(description="Send back as expected_version to detect a lost update.")


class CustomerPage(Schema):
    items: list[CustomerOut]
    next_cursor: str | None
    count: int
    count_is_capped: bool = Field(description="True when count stopped at its cap.")


class ContactIn(InputSchema):
    name: str
    title: str | None = None
    decision_role: str | None = None
    mobile: str | None = None
    phone: str | None = None
    email: str | None = None
    wechat: str | None = None
    is_primary: StrictBool | None = None
    notes: str | None = None
    custom: dict[str, Any] | None = None


class ContactPatch(InputSchema):
    name: str | None = None
    title: str | None = None
    decision_role: str | None = None
    mobile: str | None = None
    phone: str | None = None
    email: str | None = None
    wechat: str | None = None
    is_primary: StrictBool | None = None
    notes: str | None = None
    custom: dict[str, Any] | None = None


class CustomerFieldsIn(InputSchema):
    kind: str | None = None
    short_name: str | None = None
    credit_code: str | None = None
    industry: str | None = None
    size: str | None = None
    province: str | None = Field(None, description="A code or a name, such as 33 or 浙江.")
    city: str | None = None
    district: str | None = None
    address: str | None = None
    grade: str | None = None
    source: str | None = None
    status: str | None = None
    tags: list[str] | None = None
    next_follow_up_on: str | None = Field(None, description="A date, such as 2024-03-05.")
    notes: str | None = None
    custom: dict[str, Any] | None = Field(None, description="Values keyed by field key.")
    allow_similar: StrictBool = Field(
        False, description="Save even though a customer with a similar name exists."
    )


class CustomerIn(CustomerFieldsIn):
    name: str
    contacts: list[ContactIn] = []
    owner: uuid.UUID | None = Field(
        None,
        description=(
            "The owner's user id; omit to own the customer yourself, null to let the "
            "assignment rules choose (or put the customer in the public pool)."
        ),
    )


class CustomerPatch(CustomerFieldsIn):
    name: str | None = None
    expected_version: StrictInt | None = Field(
        None, description="The version you read; the update fails if someone saved since."
    )


class OwnerIn(InputSchema):
    owner: uuid.UUID | None = Field(description="The new owner's user id, or null for none.")


class AttachmentOut(Schema):
    id: uuid.UUID
    name: str
    content_type: str
    size: int = Field(description="Size in bytes.")
    uploaded_at: dt.datetime


class FollowUpOut(Schema):
    id: uuid.UUID
    kind: str
    kind_label: str
    occurred_at: dt.datetime
    author: UserRef | None
    content: str
    purpose: str
    result: str
    next_step: str
    next_follow_up_on: dt.date | str | MISSING | None = policy_field(
        "Left out or masked when your role hides or masks the customer's next follow-up date."
    )
    created_at: dt.datetime
    edited_at: dt.datetime | None
    version: int
    attachments: list[AttachmentOut]


class FollowUpPage(Schema):
    items: list[FollowUpOut]
    next_cursor: str | None


class FollowUpIn(InputSchema):
    kind: str = Field(description="call, wechat, email, visit, meeting, sms or note.")
    content: str
    occurred_at: str | None = Field(
        None, description="When it happened, such as 2024-03-05T14:30:00+08:00; default now."
    )
    purpose: str | None = None
    result: str | None = None
    next_step: str | None = None
    next_follow_up_on: str | None = None


class FollowUpPatch(InputSchema):
    kind: str | None = None
    content: str | None = None
    occurred_at: str | None = None
    purpose: str | None = None
    result: str | None = None
    next_step: str | None = None
    next_follow_up_on: str | None = None


class EventOut(Schema):
    id: uuid.UUID
    kind: str
    kind_label: str
    actor: UserRef | None
    occurred_at: dt.datetime | str = Field(
        description="Masked as the customer's created_at is for the events created and imported."
    )
    data: dict[str, Any]


class TimelineEntryOut(Schema):
    type: Literal["follow_up", "event"]
    at: dt.datetime | str
    follow_up: FollowUpOut | None
    event: EventOut | None


class ChoiceOut(Schema):
    value: str
    label: str


class FieldOut(Schema):
    key: str
    label: str
    type: str
    choices: list[ChoiceOut]
    required: bool
    is_money: bool
    is_sensitive: bool
    filterable: bool = Field(description="False when your role sees the field only masked.")
    sortable: bool = Field(description="False when your role sees the field only masked.")
    is_custom: bool
    access: str = Field(
        description="What your role may do with the field: editable, read_only or masked."
    )


class RevealIn(InputSchema):
    field: str = Field(description="The key of a field your role sees masked, such as mobile.")


class RevealOut(Schema):
    field: str
    value: str = Field(
        description="The whole stored value as text; dates in ISO 8601, tags joined by commas."
    )
