from django.db import models
from django.db.models import Q

from . import registry


class FigureLedger(models.Model):
    """A ledger of the counts behind the dashboard's figures per receipt day or month, township and the keys of a
    slice (supervise.registry.SLICES): one column per count and per sum of the figure registry.

    Written only by database triggers (supervise/rollup.py), read summed; several rows per key until compacted
    (``folded`` marks the rows a compaction or a rebuild wrote, one per key).
    """

    grain = models.CharField(max_length=1)  # d: day, m: month
    day = models.DateField()  # the first day of the bucket
    township_id = models.BigIntegerField(null=True)  # null: a slice kept for the whole district, or no township
    slice = models.CharField(max_length=32)
    a = models.CharField(max_length=40, blank=True)
    b = models.CharField(max_length=40, blank=True)
    folded = models.BooleanField(db_default=False)

    class Meta:
        indexes = [
            models.Index(fields=["slice", "a", "grain", "day"], name="figure_ledger_key"),
            models.Index(fields=["id"], name="figure_ledger_unfolded", condition=Q(folded=False)),
        ]

    def __str__(self):
        return f"{self.grain}{self.day} {self.township_id} {self.slice}={self.a},{self.b}"


# The value columns follow the registry, in its order: a figure added there is a column here (and a migration). The
# triggers always write them; nullable with a database default only so that adding one is an ALTER TABLE ADD COLUMN
# on SQLite too (a NOT NULL column makes Django rebuild the table, which SQLite refuses while triggers name it).
for _count in registry.counts():
    FigureLedger.add_to_class(_count.name, models.IntegerField(null=True, db_default=models.Value(0)))
for _sum in registry.sums():
    FigureLedger.add_to_class(_sum.column, models.BigIntegerField(null=True, db_default=models.Value(0)))
