"""Routes of the assignment rule settings; pages_urls lists them with the other pages."""

from django.urls import path

from kehu.web.views import settings_assignment

urlpatterns = [
    path("settings/assignment/", settings_assignment.rule_list, name="settings_assignment"),
    path(
        "settings/assignment/new/",
        settings_assignment.rule_create,
        name="settings_assignment_create",
    ),
    path(
        "settings/assignment/default-owner/",
        settings_assignment.default_owner,
        name="settings_assignment_default",
    ),
    path(
        "settings/assignment/<uuid:public_id>/edit/",
        settings_assignment.rule_edit,
        name="settings_assignment_edit",
    ),
    path(
        "settings/assignment/<uuid:public_id>/delete/",
        settings_assignment.rule_delete,
        name="settings_assignment_delete",
    ),
    path(
        "settings/assignment/<uuid:public_id>/move/",
        settings_assignment.rule_move,
        name="settings_assignment_move",
    ),
    path(
        "settings/assignment/<uuid:public_id>/switch/",
        settings_assignment.rule_switch,
        name="settings_assignment_switch",
    ),
]
