from django.urls import path

from kehu.web import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="customer_list"),
    path("login/", views.home, name="login"),
    path("customers/<uuid:public_id>/", views.home, name="customer_detail"),
]
