"""Request and response bodies of the product and deal endpoints.

Money travels as decimal text in yuan with two places ("12000.50"), never as a JSON number, so
no client reads it through a float. Money fields follow the caller's field policy like every
other field: absent when hidden (the outside agent preset), "****" when masked.
"""

import datetime as dt
import uuid

from ninja import Schema
from pydantic import MISSING, Field, StrictBool, StrictInt

from kehu.api.schemas import InputSchema, UserRef, policy_field

MONEY_TEXT = "Decimal text in yuan with two places, such as 12000.50."


class ProductOut(Schema):
    id: uuid.UUID
    name: str | MISSING = policy_field()
    code: str | MISSING = policy_field()
    unit: str | MISSING = policy_field()
    list_price: str | MISSING = policy_field(MONEY_TEXT + " Left out when your role hides prices.")
    cost: str | MISSING | None = policy_field(MONEY_TEXT + " Left out when your role hides costs.")
    is_active: bool | str | MISSING = policy_field()


class ProductIn(InputSchema):
    name: str
    code: str
    unit: str | None = None
    list_price: str | None = Field(None, description=MONEY_TEXT)
    cost: str | None = Field(None, description=MONEY_TEXT)
    is_active: StrictBool | None = None


class ProductPatch(InputSchema):
    name: str | None = None
    code: str | None = None
    unit: str | None = None
    list_price: str | None = None
    cost: str | None = None
    is_active: StrictBool | None = None


class ProductRef(Schema):
    id: uuid.UUID
    code: str
    name: str


class CustomerRef(Schema):
    id: uuid.UUID
    name: str | MISSING = policy_field("Left out when your role hides customer names.")


class StageOut(Schema):
    id: uuid.UUID
    name: str
    kind: str = Field(description="open, won or lost; won and lost are final.")
    win_probability: int = Field(description="Percent, 0-100; won is 100 and lost 0.")


class PipelineRef(Schema):
    id: uuid.UUID
    name: str


class PipelineOut(Schema):
    id: uuid.UUID
    name: str
    is_default: bool = Field(description="New deals that name no pipeline go into this one.")
    stages: list[StageOut] = Field(
        description="In order: the open stages, then the won stage, then the lost stage."
    )


class PipelineIn(InputSchema):
    name: str = Field(description="Unique. The pipeline starts with the default stage list.")


class PipelinePatch(InputSchema):
    name: str


class StageIn(InputSchema):
    name: str = Field(description="Unique within the pipeline.")
    win_probability: StrictInt = Field(description="Percent, 0-100.")


class StagePatch(InputSchema):
    name: str | None = None
    win_probability: StrictInt | None = Field(
        None, description="Percent, 0-100. Fixed at 100 for the won and 0 for the lost stage."
    )


class StageOrderIn(InputSchema):
    stages: list[uuid.UUID] = Field(description="Every open stage of the pipeline, once each.")


class StageRemovedOut(Schema):
    deals_moved: int
    pipeline: PipelineOut


class DealLineOut(Schema):
    id: uuid.UUID
    product: ProductRef
    quantity: str | MISSING = policy_field()
    unit_price: str | MISSING = policy_field(MONEY_TEXT)
    total: str | MISSING = policy_field(
        "Quantity x unit price, rounded half up to 0.01; as the unit price."
    )


class DealOut(Schema):
    id: uuid.UUID
    customer: CustomerRef
    name: str | MISSING = policy_field()
    amount: str | MISSING = policy_field(
        MONEY_TEXT + " The total of the lines when the deal has any. Left out when hidden."
    )
    expected_close_on: dt.date | str | MISSING | None = policy_field()
    pipeline: PipelineRef | str | MISSING = policy_field("Shown as the stage is.")
    stage: StageOut | str | MISSING = policy_field()
    lost_reason: str | MISSING = policy_field()
    owner: UserRef | str | MISSING = policy_field()
    creator: UserRef | None
    created_at: dt.datetime | str | MISSING = policy_field()
    updated_at: dt.datetime | str | MISSING = policy_field(
        "Equal to created_at until the first change, so shown as created_at is."
    )
    closed_at: dt.datetime | str | MISSING | None = policy_field()
    version: int
    lines: list[DealLineOut]


class DealPage(Schema):
    items: list[DealOut]
    next_cursor: str | None


class DealLineIn(InputSchema):
    product: uuid.UUID
    quantity: str
    unit_price: str | None = Field(None, description=MONEY_TEXT + " Default: the list price.")


class DealIn(InputSchema):
    customer: uuid.UUID
    name: str
    amount: str | None = Field(None, description=MONEY_TEXT)
    expected_close_on: str | None = None
    pipeline: uuid.UUID | None = Field(
        None, description="Default: the pipeline of `stage`, else the default pipeline."
    )
    stage: uuid.UUID | None = Field(
        None, description="An open stage of the pipeline. Default: its first open stage."
    )
    owner: uuid.UUID | None = Field(None, description="Default: you.")


class DealPatch(InputSchema):
    name: str | None = None
    amount: str | None = None
    expected_close_on: str | None = None
    owner: uuid.UUID | None = None
    expected_version: StrictInt | None = None


class DealLinesIn(InputSchema):
    lines: list[DealLineIn]
    expected_version: StrictInt | None = None


class StageMoveIn(InputSchema):
    stage: uuid.UUID
    lost_reason: str = Field("", description="Required when the stage is a lost one.")
    expected_version: StrictInt | None = None


class QuoteLineOut(Schema):
    product: ProductRef | None
    description: str
    quantity: str
    unit_price: str | MISSING = policy_field(MONEY_TEXT + " As the deal line unit price.")
    discount_percent: str
    tax_percent: str
    subtotal: str | MISSING = policy_field("Quantity x unit price; as the unit price.")
    discount: str | MISSING = policy_field("As the unit price.")
    tax: str | MISSING = policy_field("As the unit price.")
    total: str | MISSING = policy_field("As the unit price.")


class QuoteVersionOut(Schema):
    number: int
    title: str
    valid_until: dt.date | None
    notes: str
    subtotal: str | MISSING = policy_field(MONEY_TEXT + " As the deal amount.")
    discount: str | MISSING = policy_field("As the deal amount.")
    tax: str | MISSING = policy_field("As the deal amount.")
    total: str | MISSING = policy_field("As the deal amount.")
    created_at: dt.datetime
    lines: list[QuoteLineOut]


class QuoteOut(Schema):
    id: uuid.UUID
    number: str
    customer: CustomerRef
    deal: uuid.UUID | None
    status: str = Field(description="draft, sent, accepted or rejected; the last two are final.")
    current_version: int
    creator: UserRef | None
    created_at: dt.datetime
    updated_at: dt.datetime
    versions: list[QuoteVersionOut] = Field(description="Every version, the first one first.")


class QuoteLineIn(InputSchema):
    product: uuid.UUID | None = None
    description: str | None = Field(None, description="Default: the product's name.")
    quantity: str
    unit_price: str = Field(description=MONEY_TEXT)
    discount_percent: str | None = Field(None, description="Percent, 0-100, two places.")
    tax_percent: str | None = Field(None, description="Percent, 0-100, two places.")


class QuoteIn(InputSchema):
    customer: uuid.UUID
    deal: uuid.UUID | None = Field(None, description="One of the customer's deals.")
    title: str
    valid_until: str | None = None
    notes: str | None = None
    lines: list[QuoteLineIn]


class QuoteRevisionIn(InputSchema):
    title: str
    valid_until: str | None = None
    notes: str | None = None
    lines: list[QuoteLineIn]


class QuoteStatusIn(InputSchema):
    status: str = Field(description="sent, accepted, rejected or draft.")
