from django.contrib.auth import views as auth_views
from django.urls import path
from django.views.i18n import set_language

from kehu.web.views import (
    contract_forms,
    contracts,
    custom_fields,
    customer_detail,
    customer_forms,
    customer_list,
    deal_forms,
    deals,
    follow_ups,
    products,
    quotes,
    reveal,
    settings_departments,
    settings_password,
    settings_roles,
    settings_users,
    sharing,
)

urlpatterns = [
    path("", customer_list.customer_list, name="customer_list"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="web/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("language/", set_language, name="set_language"),
    path("regions/", customer_forms.region_options, name="region_options"),
    path("customers/new/", customer_forms.create_customer, name="customer_create"),
    path("customers/count/", customer_list.customer_count, name="customer_count"),
    path("customers/columns/", customer_list.set_columns, name="list_columns"),
    path("customers/views/", customer_list.save_view, name="saved_view_create"),
    path(
        "customers/views/<uuid:public_id>/delete/",
        customer_list.delete_view,
        name="saved_view_delete",
    ),
    path(
        "customers/<uuid:public_id>/",
        customer_detail.customer_detail,
        name="customer_detail",
    ),
    path(
        "customers/<uuid:public_id>/edit/",
        customer_forms.edit_customer,
        name="customer_edit",
    ),
    path(
        "customers/<uuid:public_id>/contacts/new/",
        customer_forms.add_contact,
        name="contact_create",
    ),
    path(
        "customers/<uuid:public_id>/follow-ups/",
        follow_ups.add_follow_up,
        name="follow_up_create",
    ),
    path(
        "customers/<uuid:public_id>/reveal/<slug:key>/",
        reveal.reveal_customer_field,
        name="customer_reveal",
    ),
    path("contacts/<uuid:public_id>/edit/", customer_forms.edit_contact, name="contact_edit"),
    path(
        "contacts/<uuid:public_id>/reveal/<slug:key>/",
        reveal.reveal_contact_field,
        name="contact_reveal",
    ),
    path("follow-ups/<uuid:public_id>/edit/", follow_ups.edit_follow_up, name="follow_up_edit"),
    path(
        "attachments/<uuid:public_id>/",
        follow_ups.download_attachment,
        name="attachment_download",
    ),
    path("settings/fields/", custom_fields.field_list, name="field_list"),
    path("settings/fields/new/", custom_fields.field_create, name="field_create"),
    path(
        "settings/fields/<uuid:public_id>/edit/",
        custom_fields.field_edit,
        name="field_edit",
    ),
    path(
        "settings/fields/<uuid:public_id>/deactivate/",
        custom_fields.field_set_active,
        {"active": False},
        name="field_deactivate",
    ),
    path(
        "settings/fields/<uuid:public_id>/reactivate/",
        custom_fields.field_set_active,
        {"active": True},
        name="field_reactivate",
    ),
    path(
        "customers/<uuid:public_id>/sharing/",
        sharing.customer_sharing,
        name="customer_sharing",
    ),
    path(
        "customers/<uuid:public_id>/agents/",
        sharing.agent_assign,
        name="customer_agent_assign",
    ),
    path(
        "customers/<uuid:public_id>/agents/remove/",
        sharing.agent_remove,
        name="customer_agent_remove",
    ),
    path("shares/<uuid:public_id>/end/", sharing.share_end, name="share_end"),
    path("settings/password/", settings_password.own_password, name="own_password"),
    path("settings/users/", settings_users.user_list, name="settings_users"),
    path("settings/users/new/", settings_users.user_create, name="settings_user_create"),
    path(
        "settings/users/<uuid:public_id>/edit/",
        settings_users.user_edit,
        name="settings_user_edit",
    ),
    path(
        "settings/users/<uuid:public_id>/password/",
        settings_password.user_password,
        name="settings_user_password",
    ),
    path(
        "settings/users/<uuid:public_id>/deactivate/",
        settings_users.user_set_active,
        {"active": False},
        name="settings_user_deactivate",
    ),
    path(
        "settings/users/<uuid:public_id>/reactivate/",
        settings_users.user_set_active,
        {"active": True},
        name="settings_user_reactivate",
    ),
    path(
        "settings/departments/",
        settings_departments.department_list,
        name="settings_departments",
    ),
    path(
        "settings/departments/new/",
        settings_departments.department_create,
        name="settings_department_create",
    ),
    path(
        "settings/departments/<uuid:public_id>/rename/",
        settings_departments.department_rename,
        name="settings_department_rename",
    ),
    path(
        "settings/departments/<uuid:public_id>/move/",
        settings_departments.department_move,
        name="settings_department_move",
    ),
    path("deals/", deals.deal_list, name="deal_list"),
    path("deals/board/", deals.deal_board, name="deal_board"),
    path("deals/<uuid:public_id>/", deals.deal_detail, name="deal_detail"),
    path("deals/<uuid:public_id>/edit/", deal_forms.deal_edit, name="deal_edit"),
    path("deals/<uuid:public_id>/lines/", deal_forms.deal_lines, name="deal_lines"),
    path("deals/<uuid:public_id>/move/", deals.deal_move, name="deal_move"),
    path("quotes/<uuid:public_id>/", quotes.quote_detail, name="quote_detail"),
    path("quotes/<uuid:public_id>/pdf/", quotes.quote_pdf, name="quote_pdf"),
    path("quotes/<uuid:public_id>/revise/", quotes.quote_revise, name="quote_revise"),
    path("quotes/<uuid:public_id>/status/", quotes.quote_status, name="quote_status"),
    path("customers/<uuid:public_id>/quotes/new/", quotes.quote_create, name="quote_create"),
    path("contracts/", contracts.contract_list, name="contract_list"),
    path("contracts/<uuid:public_id>/", contracts.contract_detail, name="contract_detail"),
    path(
        "contracts/<uuid:public_id>/edit/", contract_forms.contract_revise, name="contract_revise"
    ),
    path("contracts/<uuid:public_id>/renew/", contract_forms.contract_renew, name="contract_renew"),
    path(
        "contracts/<uuid:public_id>/files/",
        contract_forms.contract_add_file,
        name="contract_add_file",
    ),
    path("contracts/<uuid:public_id>/plans/", contract_forms.contract_plans, name="contract_plans"),
    path("contracts/<uuid:public_id>/submit/", contracts.contract_submit, name="contract_submit"),
    path("contracts/<uuid:public_id>/decide/", contracts.contract_decide, name="contract_decide"),
    path(
        "contracts/<uuid:public_id>/receipts/", contracts.contract_receipt, name="contract_receipt"
    ),
    path("contract-files/<uuid:public_id>/", contracts.contract_file, name="contract_file"),
    path(
        "customers/<uuid:public_id>/contracts/new/",
        contract_forms.contract_create,
        name="contract_create",
    ),
    path(
        "customers/<uuid:public_id>/deals/new/",
        deal_forms.deal_create,
        name="deal_create",
    ),
    path("settings/products/", products.product_list, name="product_list"),
    path("settings/products/new/", products.product_create, name="product_create"),
    path(
        "settings/products/<uuid:public_id>/edit/",
        products.product_edit,
        name="product_edit",
    ),
    path("settings/roles/", settings_roles.role_list, name="settings_roles"),
    path("settings/roles/new/", settings_roles.role_create, name="settings_role_create"),
    path(
        "settings/roles/<uuid:public_id>/edit/",
        settings_roles.role_edit,
        name="settings_role_edit",
    ),
]
