from django.apps import AppConfig


class FieldsConfig(AppConfig):
    name = "kehu.fields"
    label = "fields"
