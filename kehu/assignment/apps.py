from django.apps import AppConfig


class AssignmentConfig(AppConfig):
    name = "kehu.assignment"
    label = "assignment"
