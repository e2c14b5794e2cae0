from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "kehu.imports"
    label = "imports"
