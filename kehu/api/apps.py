from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "kehu.api"
    label = "api"

    def ready(self) -> None:
        from kehu.api import receivers  # noqa: F401  (connects to kehu.org.signals)
