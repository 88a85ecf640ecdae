"""Reference numbers (WNEVC2026-CE-0007): one counter row per edition and category."""

from django.db import models

from .edition import Category, Edition


class ReferenceCounter(models.Model):
    """Last reference sequence number per edition and category (locked while allocating)."""

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="+")
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="+")
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["edition", "category"], name="one_counter_per_category")]
