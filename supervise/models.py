from django.db import models


class MonthlyFigures(models.Model):
    """A ledger of the counts behind the dashboard's figures per receipt month, township and breakdown key.

    Written only by database triggers (supervise/rollup.py), read summed; several rows per key until compacted.
    """

    month = models.DateField()
    township_id = models.BigIntegerField(null=True)
    dim = models.CharField(max_length=12)
    value = models.CharField(max_length=40, blank=True)
    received = models.IntegerField(default=0)
    closed = models.IntegerField(default=0)
    closed_solved = models.IntegerField(default=0)
    resolved = models.IntegerField(default=0)
    on_time = models.IntegerField(default=0)
    rated = models.IntegerField(default=0)
    satisfied = models.IntegerField(default=0)
    solved = models.IntegerField(default=0)
    solved_locally = models.IntegerField(default=0)
    reworked = models.IntegerField(default=0)
    accepted = models.IntegerField(default=0)
    accept_time_us = models.BigIntegerField(default=0)
    resolve_time_us = models.BigIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["dim", "month", "township_id"], name="monthly_figures_key")]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.township_id} {self.dim}={self.value}"
