from django.apps import AppConfig


class PoolConfig(AppConfig):
    name = "kehu.pool"
    label = "pool"
