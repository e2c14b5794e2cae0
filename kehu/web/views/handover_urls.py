"""Routes of the offboarding and handover pages."""

from django.urls import path

from kehu.web.views import briefing, handover

urlpatterns = [
    path("handover/", handover.handover_home, name="handover_home"),
    path("handover/offboard/", handover.offboarding_start, name="offboarding_start"),
    path(
        "handover/offboardings/<uuid:public_id>/cancel/",
        handover.offboarding_cancel,
        name="offboarding_cancel",
    ),
    path("handover/inbox/", briefing.handover_inbox, name="handover_inbox"),
    path(
        "handover/customers/<uuid:public_id>/briefing/",
        briefing.customer_briefing,
        name="customer_briefing",
    ),
    path("handover/users/<uuid:public_id>/plan/", handover.handover_plan, name="handover_plan"),
    path("handover/<uuid:public_id>/", handover.handover_preview, name="handover_preview"),
    path("handover/<uuid:public_id>/execute/", handover.handover_execute, name="handover_execute"),
]
