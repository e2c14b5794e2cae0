from django.apps import AppConfig


class PoolConfig(AppConfig):
    name = "kehu.pool"
    label = "pool"

    def ready(self) -> None:
        # Imported here because the checks read models, which are ready only now.
        from kehu.customers import ownership, queries
        from kehu.pool.capacity import check_capacity
        from kehu.pool.membership import unassigned_reach
        from kehu.pool.services import customers_received

        ownership.register(check_capacity)
        ownership.register_received(customers_received)
        queries.register_unassigned_filter(unassigned_reach)
