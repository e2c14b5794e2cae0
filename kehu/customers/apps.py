from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "kehu.customers"
    label = "customers"

    def ready(self) -> None:
        from kehu.customers import fields
        from kehu.fields.models import FieldTarget
        from kehu.fields.registry import register_builtin

        register_builtin(FieldTarget.CUSTOMER, fields.customer_fields)
        register_builtin(FieldTarget.CONTACT, fields.contact_fields)
