"""Background tasks of imports, run by the database worker (`kehu db_worker`)."""

import logging

from django.conf import settings
from django.db import transaction
from django.tasks import task
from django.utils import translation

from kehu.core import clock
from kehu.imports import engine
from kehu.imports.models import ImportJob, ImportStatus

logger = logging.getLogger(__name__)


@task()
def check_import(job_id: int) -> None:
    """Dry-run an import and store its problems; a failure marks the job failed."""
    job = ImportJob.objects.select_related("created_by", "owner").get(pk=job_id)
    if job.status != ImportStatus.CHECKING:
        logger.info("import %s: check skipped, status is %s", job.public_id, job.status)
        return
    try:
        with translation.override(job.language):
            engine.check(job)
    except Exception as error:
        logger.exception("import %s: check failed", job.public_id)
        _fail(job_id, error, from_status=ImportStatus.CHECKING, to_status=ImportStatus.UPLOADED)


@task()
def commit_import(job_id: int, token: str) -> None:
    """Write an import, resuming after its last written batch; a failure marks it failed."""
    run(job_id, token)


def run(job_id: int, token: str) -> None:
    """Run the commit in this process; shared by the task and the management command."""
    language = ImportJob.objects.filter(pk=job_id).values_list("language", flat=True).first()
    try:
        with translation.override(language or settings.LANGUAGE_CODE):
            engine.commit(job_id, token)
    except engine.Superseded:
        logger.info("import %s: another worker holds the job, stopping", job_id)
    except Exception as error:
        logger.exception("import %s: commit failed", job_id)
        _fail(
            job_id,
            error,
            from_status=ImportStatus.RUNNING,
            to_status=ImportStatus.FAILED,
            token=token,
        )
        raise


def _fail(
    job_id: int, error: Exception, *, from_status: str, to_status: str, token: str = ""
) -> None:
    with transaction.atomic():
        jobs = ImportJob.objects.filter(pk=job_id, status=from_status)
        if token:
            jobs = jobs.filter(worker_token=token)
        jobs.update(status=to_status, error=str(error)[:2000], heartbeat_at=clock.now())
