from django.urls import path

from kehu.web.views import imports

urlpatterns = [
    path("", imports.import_start, name="import_start"),
    path("<uuid:public_id>/", imports.import_detail, name="import_detail"),
    path("<uuid:public_id>/sheet/", imports.import_sheet, name="import_sheet"),
    path("<uuid:public_id>/mapping/", imports.import_mapping, name="import_mapping"),
    path("<uuid:public_id>/progress/", imports.import_progress, name="import_progress"),
    path("<uuid:public_id>/commit/", imports.import_commit, name="import_commit"),
    path("<uuid:public_id>/resume/", imports.import_resume, name="import_resume"),
    path("<uuid:public_id>/undo/", imports.import_undo, name="import_undo"),
    path("<uuid:public_id>/discard/", imports.import_discard, name="import_discard"),
    path("<uuid:public_id>/rejected/", imports.import_rejected, name="import_rejected"),
]
