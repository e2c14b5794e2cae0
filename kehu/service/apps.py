from django.apps import AppConfig


class ServiceConfig(AppConfig):
    name = "kehu.service"
    label = "service"

    def ready(self) -> None:
        from kehu.fields.models import FieldTarget
        from kehu.fields.registry import register_builtin
        from kehu.service import fields

        register_builtin(FieldTarget.TICKET, fields.ticket_fields)
