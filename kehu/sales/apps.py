from django.apps import AppConfig


class SalesConfig(AppConfig):
    name = "kehu.sales"
    label = "sales"

    def ready(self) -> None:
        from kehu.fields.models import FieldTarget
        from kehu.fields.registry import register_builtin
        from kehu.sales import fields

        register_builtin(FieldTarget.PRODUCT, fields.product_fields)
        register_builtin(FieldTarget.DEAL, fields.deal_fields)
        register_builtin(FieldTarget.DEAL_LINE, fields.deal_line_fields)
        register_builtin(FieldTarget.CONTRACT, fields.contract_fields)
        register_builtin(FieldTarget.PAYMENT, fields.payment_fields)
