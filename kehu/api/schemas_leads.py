"""Request and response bodies of the lead endpoints and of the lead intake endpoint.

A lead's mobile, phone, email and WeChat ID follow the caller's contact field policy: absent
when hidden, masked when masked. In the lead pool they are masked until someone claims the
lead, except for callers whose role manages pools.
"""

import datetime as dt
import uuid

from ninja import Schema
from pydantic import MISSING, Field, StrictBool

from kehu.api.schemas import InputSchema, UserRef, policy_field

STATUSES = "new, contacted, converted or closed"


class LeadOut(Schema):
    id: uuid.UUID
    name: str
    company: str
    title: str
    mobile: str | MISSING = policy_field()
    phone: str | MISSING = policy_field()
    email: str | MISSING = policy_field()
    wechat: str | MISSING = policy_field()
    province_code: str
    city_code: str
    industry: str
    message: str
    source: str
    channel: str = Field(description="user, form or api.")
    campaign: str = Field(description="The campaign's name, or empty.")
    status: str = Field(description=STATUSES + ".")
    owner: UserRef | None = Field(description="Empty for a lead in the lead pool.")
    consent_given: bool
    converted_customer: uuid.UUID | None
    created_at: dt.datetime
    updated_at: dt.datetime


class LeadPage(Schema):
    items: list[LeadOut]
    page: int
    pages: int
    count: int


class LeadIn(InputSchema):
    name: str
    company: str = ""
    title: str = ""
    mobile: str = ""
    phone: str = ""
    email: str = ""
    wechat: str = ""
    province: str = Field("", description="A division code or name.")
    city: str = Field("", description="A division code or name.")
    industry: str = ""
    message: str = ""
    source: str = ""
    owner: uuid.UUID | None = Field(
        None, description="The owner's user id; leave out for yourself. Needs the assign role."
    )
    pool: StrictBool = Field(False, description="Put the lead in the lead pool, without owner.")
    allow_duplicate: StrictBool = Field(
        False, description="Create it even when its mobile or email belongs to a stored record."
    )


class ConvertDealIn(InputSchema):
    name: str
    amount: str = "0"


class ConvertIn(InputSchema):
    customer_name: str = Field("", description="Defaults to the company, or the person's name.")
    deal: ConvertDealIn | None = None
    existing_customer: uuid.UUID | None = Field(
        None, description="Add the person to this customer instead of creating one."
    )
    allow_similar: StrictBool = False


class ConvertOut(Schema):
    lead: uuid.UUID
    customer: uuid.UUID


class IntakeOut(Schema):
    detail: str
