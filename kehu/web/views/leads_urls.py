from django.urls import path

from kehu.web.views import campaigns, lead_convert, lead_form, leads

urlpatterns = [
    path("f/<slug:token>/", lead_form.lead_form, name="lead_form"),
    path("leads/", leads.lead_list, name="lead_list"),
    path("leads/new/", leads.lead_create, name="lead_create"),
    path("leads/<uuid:public_id>/", leads.lead_detail, name="lead_detail"),
    path("leads/<uuid:public_id>/claim/", leads.lead_claim, name="lead_claim"),
    path("leads/<uuid:public_id>/assign/", leads.lead_assign, name="lead_assign"),
    path("leads/<uuid:public_id>/notes/", leads.lead_note, name="lead_note"),
    path("leads/<uuid:public_id>/status/", leads.lead_status, name="lead_status"),
    path("leads/<uuid:public_id>/convert/", lead_convert.lead_convert, name="lead_convert"),
    path("settings/campaigns/", campaigns.campaign_list, name="campaign_list"),
    path("settings/campaigns/new/", campaigns.campaign_create, name="campaign_create"),
    path("settings/campaigns/<uuid:public_id>/", campaigns.campaign_edit, name="campaign_edit"),
    path(
        "settings/campaigns/<uuid:public_id>/qr.png",
        campaigns.campaign_qr,
        {"kind": "png"},
        name="campaign_qr_png",
    ),
    path(
        "settings/campaigns/<uuid:public_id>/qr.svg",
        campaigns.campaign_qr,
        {"kind": "svg"},
        name="campaign_qr_svg",
    ),
    path("settings/intake-keys/", campaigns.intake_keys, name="intake_keys"),
    path(
        "settings/intake-keys/<uuid:public_id>/deactivate/",
        campaigns.intake_key_set_active,
        {"active": False},
        name="intake_key_deactivate",
    ),
    path(
        "settings/intake-keys/<uuid:public_id>/reactivate/",
        campaigns.intake_key_set_active,
        {"active": True},
        name="intake_key_reactivate",
    ),
]
