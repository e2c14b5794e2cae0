from django.apps import AppConfig


class TimelineConfig(AppConfig):
    name = "kehu.timeline"
    label = "timeline"
