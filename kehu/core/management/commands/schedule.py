from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from kehu.core import schedule


class Command(BaseCommand):
    help = (
        "Plan the next run of every scheduled task (such as the daily pool sweep) and enqueue "
        "it for the database worker. Safe to run any number of times, from any process."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        for slot in schedule.ensure_all():
            due = timezone.localtime(slot.due_at).strftime("%Y-%m-%d %H:%M %Z")
            self.stdout.write(f"{slot.name}: next run at {due}")
