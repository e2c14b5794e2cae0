from django.urls import include, path

app_name = "web"

# Each area of the site keeps its routes beside its views.
urlpatterns = [
    path("imports/", include("kehu.web.views.imports_urls")),
    path("", include("kehu.web.views.leads_urls")),
    path("", include("kehu.web.views.pages_urls")),
    path("", include("kehu.web.views.pools_urls")),
    path("", include("kehu.web.views.handover_urls")),
]
