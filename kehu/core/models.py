from django.db import models


class RateCounter(models.Model):
    """The number of requests one client key made in one fixed time window.

    Kept in the database because several web processes share the limit; see
    kehu.core.ratelimit for how the row is counted up.
    """

    key = models.CharField(max_length=200)
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)
    # When the window ends; rows past it limit nobody and are deleted by later hits.
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "window_start"], name="core_ratecounter_unique")
        ]
        indexes = [models.Index(fields=["expires_at"], name="core_ratecounter_expires")]

    def __str__(self) -> str:
        return f"{self.key}@{self.window_start:%Y-%m-%d %H:%M}: {self.count}"
