from django.urls import path

from kehu.web.views import pools, settings_pools

# The public pool's pages and its settings.
urlpatterns = [
    path("pool/", pools.pool_home, name="pool_home"),
    path("pool/<uuid:public_id>/", pools.pool_list, name="pool_list"),
    path("pool/customers/<uuid:public_id>/", pools.pool_customer, name="pool_customer"),
    path("pool/customers/<uuid:public_id>/claim/", pools.pool_claim, name="pool_claim"),
    path("pool/customers/<uuid:public_id>/assign/", pools.pool_assign, name="pool_assign"),
    path("customers/<uuid:public_id>/return/", pools.customer_return, name="customer_return"),
    path("customers/<uuid:public_id>/lock/", pools.customer_lock, name="customer_lock"),
    path("settings/pools/", settings_pools.pool_settings, name="settings_pools"),
    path("settings/pools/new/", settings_pools.pool_create, name="settings_pool_create"),
    path(
        "settings/pools/<uuid:public_id>/edit/",
        settings_pools.pool_edit,
        name="settings_pool_edit",
    ),
    path(
        "settings/pools/<uuid:public_id>/delete/",
        settings_pools.pool_delete,
        name="settings_pool_delete",
    ),
    path(
        "settings/return-reasons/",
        settings_pools.return_reasons,
        name="settings_return_reasons",
    ),
]
