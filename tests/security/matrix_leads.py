"""The permission matrix's entries for the lead pages, campaign settings and lead API.

Statuses read boss, manager, rep, outside agent, signed out. The in-scope lead is the east rep's
(in the manager's department) and the pool lead has no owner; the outside lead is the south
rep's. Outside agents never work on leads, so they get a 403 before any lead is loaded. Only
roles with the manage-pools capability (boss, manager) open the campaign and intake key
settings. The public form needs no sign-in, and the intake endpoint accepts intake keys only:
every user token gets a 401 there.
"""

from typing import Any

from tests.security.matrix import Entry, every, expect
from tests.security.world import CAMPAIGN_TOKEN, Records, World

READ = expect("200", "200/404", "200/404", "403/403", "302")
WRITE = expect("302", "302/404", "302/404", "403/403", "302")
# Only roles that may assign hand leads to someone; the rep's own lead refuses the rep.
ASSIGN = expect("302", "302/404", "403/404", "403/403", "302")
LIST = expect("200", "200", "200", "403", "302")
SETTINGS_PAGE = expect("200", "200", "403", "403", "302")
SETTINGS_WRITE = expect("302", "302", "403", "403", "302")

V1 = "api/v1/"
LEAD = V1 + "leads/<lead_id>"
API_READ = expect("200", "200/404", "200/404", "403/403", "401")


def _constant(values: dict[str, Any]) -> Any:
    def build(world: World, role: str, records: Records) -> dict[str, Any]:
        return dict(values)

    return build


def _self_owner(world: World, role: str, records: Records) -> dict[str, Any]:
    user = world.user(role)
    return {"owner": str(user.public_id) if user is not None else ""}


def _campaign_form(world: World, role: str, records: Records) -> dict[str, Any]:
    return {
        "name": "官网咨询（改）",
        "fields": ["name", "mobile", "email"],
        "required_fields": ["name"],
        "source": "website",
        "is_active": "1",
    }


NEW_LEAD = {"name": "唐宁", "company": "嘉兴南湖电子", "mobile": "13600000044"}
PUBLIC_SUBMISSION = {"name": "访客", "mobile": "13600000055", "message": "想了解报价"}

LEAD_PAGE_ENTRIES = [
    Entry(
        "f/<slug:token>/",
        "web:lead_form",
        "GET",
        every("200", "200"),
        params={"token": CAMPAIGN_TOKEN},
    ),
    Entry(
        "f/<slug:token>/",
        "web:lead_form",
        "POST",
        every("200", "200"),
        params={"token": CAMPAIGN_TOKEN},
        data=_constant(PUBLIC_SUBMISSION),
        writes=True,
    ),
    Entry("leads/", "web:lead_list", "GET", LIST, shows="lead"),
    Entry("leads/new/", "web:lead_create", "GET", LIST),
    Entry(
        "leads/new/",
        "web:lead_create",
        "POST",
        expect("302", "302", "302", "403", "302"),
        data=_constant(NEW_LEAD),
        writes=True,
    ),
    Entry("leads/<uuid:public_id>/", "web:lead_detail", "GET", READ, target="lead", shows="lead"),
    Entry(
        "leads/<uuid:public_id>/claim/",
        "web:lead_claim",
        "POST",
        WRITE,
        target="pool_lead",
        writes=True,
    ),
    Entry(
        "leads/<uuid:public_id>/assign/",
        "web:lead_assign",
        "POST",
        ASSIGN,
        target="lead",
        data=_self_owner,
        writes=True,
    ),
    Entry(
        "leads/<uuid:public_id>/notes/",
        "web:lead_note",
        "POST",
        WRITE,
        target="lead",
        data=_constant({"kind": "call", "content": "电话确认需求"}),
        writes=True,
    ),
    Entry(
        "leads/<uuid:public_id>/status/",
        "web:lead_status",
        "POST",
        WRITE,
        target="lead",
        data=_constant({"status": "contacted"}),
        writes=True,
    ),
    Entry(
        "leads/<uuid:public_id>/convert/",
        "web:lead_convert",
        "GET",
        READ,
        target="lead",
        shows="lead",
    ),
    Entry(
        "leads/<uuid:public_id>/convert/",
        "web:lead_convert",
        "POST",
        WRITE,
        target="lead",
        data=_constant({"name": "绍兴柯桥纺织有限公司"}),
        writes=True,
    ),
    Entry("settings/campaigns/", "web:campaign_list", "GET", SETTINGS_PAGE),
    Entry("settings/campaigns/new/", "web:campaign_create", "GET", SETTINGS_PAGE),
    Entry(
        "settings/campaigns/new/",
        "web:campaign_create",
        "POST",
        SETTINGS_WRITE,
        data=_campaign_form,
        writes=True,
    ),
    Entry(
        "settings/campaigns/<uuid:public_id>/",
        "web:campaign_edit",
        "GET",
        SETTINGS_PAGE,
        target="campaign",
    ),
    Entry(
        "settings/campaigns/<uuid:public_id>/",
        "web:campaign_edit",
        "POST",
        SETTINGS_WRITE,
        target="campaign",
        data=_campaign_form,
        writes=True,
    ),
    Entry(
        "settings/campaigns/<uuid:public_id>/qr.png",
        "web:campaign_qr_png",
        "GET",
        SETTINGS_PAGE,
        target="campaign",
    ),
    Entry(
        "settings/campaigns/<uuid:public_id>/qr.svg",
        "web:campaign_qr_svg",
        "GET",
        SETTINGS_PAGE,
        target="campaign",
    ),
    Entry("settings/intake-keys/", "web:intake_keys", "GET", SETTINGS_PAGE),
    Entry(
        "settings/intake-keys/",
        "web:intake_keys",
        "POST",
        SETTINGS_PAGE,
        data=_constant({"name": "小程序", "source": "inquiry"}),
        writes=True,
    ),
    Entry(
        "settings/intake-keys/<uuid:public_id>/deactivate/",
        "web:intake_key_deactivate",
        "POST",
        SETTINGS_WRITE,
        target="intake_key",
        writes=True,
    ),
    Entry(
        "settings/intake-keys/<uuid:public_id>/reactivate/",
        "web:intake_key_reactivate",
        "POST",
        SETTINGS_WRITE,
        target="intake_key",
        writes=True,
    ),
]

LEAD_API_ENTRIES = [
    Entry(
        V1 + "leads",
        "api-v1:list_leads",
        "GET",
        expect("200", "200", "200", "403", "401"),
        shows="lead",
    ),
    Entry(
        V1 + "leads",
        "api-v1:create_lead",
        "POST",
        expect("201", "201", "201", "403", "401"),
        data=_constant(NEW_LEAD),
        writes=True,
    ),
    Entry(LEAD, "api-v1:lead_detail", "GET", API_READ, shows="lead"),
    Entry(LEAD + "/claim", "api-v1:claim_lead", "POST", API_READ, target="pool_lead", writes=True),
    Entry(
        LEAD + "/convert",
        "api-v1:convert_lead",
        "POST",
        expect("201", "201/404", "201/404", "403/403", "401"),
        data=_constant({"customer_name": "绍兴柯桥纺织有限公司"}),
        writes=True,
    ),
    # User tokens never work here; only intake keys do (kehu/leads/tests/test_intake.py).
    Entry(
        V1 + "leads/intake",
        "api-v1:submit_lead",
        "POST",
        every("401", "401"),
        data=_constant(PUBLIC_SUBMISSION),
    ),
]
