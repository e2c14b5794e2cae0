from django.db import models


class RateCounter(models.Model):
    """The number of requests one client key made in one fixed time window.

    Kept in the database because several web processes share the limit; see
    kehu.core.ratelimit for how the row is counted up.
    """

    key = models.CharField(max_length=200)
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)
    # The end of the window. Rows past it no longer limit anyone, and later hits delete them.
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "window_start"], name="core_ratecounter_unique")
        ]
        indexes = [models.Index(fields=["expires_at"], name="core_ratecounter_expires")]

    def __str__(self) -> str:
        return f"{self.key}@{self.window_start:%Y-%m-%d %H:%M}: {self.count}"


class ScheduleSlot(models.Model):
    """One planned run of a scheduled task (see kehu.core.schedule).

    The unique (name, due_at) pair lets exactly one process plan a run, and the conditional
    update of `claimed_at` lets exactly one worker start it.
    """

    name = models.CharField(max_length=60)
    due_at = models.DateTimeField()
    # The id of the task result that runs the slot, so a lost task can be enqueued again.
    task_id = models.CharField(max_length=64, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=100, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # "done", or "failed: <exception>"; empty until the run ends.
    outcome = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["name", "due_at"], name="core_schedule_slot_once"),
        ]

    def __str__(self) -> str:
        return f"{self.name} at {self.due_at:%Y-%m-%d %H:%M}"
