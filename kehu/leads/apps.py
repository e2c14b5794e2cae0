from django.apps import AppConfig


class LeadsConfig(AppConfig):
    name = "kehu.leads"
    label = "leads"
