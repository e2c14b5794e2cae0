from django.apps import AppConfig


class HandoverConfig(AppConfig):
    name = "kehu.handover"
    label = "handover"
