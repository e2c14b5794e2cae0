"""Request and response bodies of the API, as they appear in the OpenAPI schema.

Field values in requests are passed to the services as sent, so they accept what the pages and
the importer accept (codes or Chinese labels for choices, several date forms). Custom fields sit
under "custom", keyed by their field-registry key ("cf_budget"), in requests and responses.
"""

import datetime as dt
import uuid
from typing import Any, Literal

from ninja import Schema
from pydantic import ConfigDict, Field


class InputSchema(Schema):
    model_config = ConfigDict(extra="forbid")


class ErrorOut(Schema):
    detail: str


class ValidationErrorOut(Schema):
    errors: dict[str, list[str]] = Field(
        description='Messages keyed by field; nested fields read "contacts.1.mobile".'
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
    name: str
    title: str
    decision_role: str
    mobile: str
    phone: str
    email: str
    wechat: str
    is_primary: bool
    notes: str
    custom: dict[str, Any]
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int


class CustomerOut(Schema):
    id: uuid.UUID
    kind: str
    name: str
    short_name: str
    credit_code: str
    industry: str
    size: str
    province: str = Field(description="GB/T 2260 province code, such as 33.")
    city: str = Field(description="GB/T 2260 city code, such as 3301.")
    district: str = Field(description="GB/T 2260 district code, such as 330106.")
    region: str = Field(description="The division names, such as 浙江省杭州市西湖区.")
    address: str
    grade: str
    source: str
    status: str
    tags: list[str]
    owner: UserRef | None
    creator: UserRef | None
    created_at: dt.datetime
    updated_at: dt.datetime
    last_follow_up_at: dt.datetime | None
    next_follow_up_on: dt.date | None
    notes: str
    custom: dict[str, Any] = Field(description="Every active custom field by key, null when unset.")
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
    is_primary: bool | None = None
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
    is_primary: bool | None = None
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
    allow_similar: bool = Field(
        False, description="Save even though a customer with a similar name exists."
    )


class CustomerIn(CustomerFieldsIn):
    name: str
    contacts: list[ContactIn] = []
    owner: uuid.UUID | None = Field(
        None, description="The owner's user id; omit to own the customer yourself, null for none."
    )


class CustomerPatch(CustomerFieldsIn):
    name: str | None = None
    expected_version: int | None = Field(
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
    next_follow_up_on: dt.date | None
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
    occurred_at: dt.datetime
    data: dict[str, Any]


class TimelineEntryOut(Schema):
    type: Literal["follow_up", "event"]
    at: dt.datetime
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
    filterable: bool
    sortable: bool
    is_custom: bool
