"""Reference content: editions, categories, technical fields and page texts (bilingual fields
registered in translation.py)."""

from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class EditionQuerySet(models.QuerySet):
    def current(self):
        """The edition nominators work on: the newest one."""
        return self.order_by("-year").first()


class Edition(models.Model):
    year = models.PositiveIntegerField(_("year"), unique=True, validators=[MinValueValidator(2019)])
    title = models.CharField(_("title"), max_length=200)
    introduction = models.TextField(_("introduction"), blank=True)
    opens_at = models.DateTimeField(_("collection opens at"))
    closes_at = models.DateTimeField(_("collection closes at"))
    cutting_edge_quota = models.PositiveSmallIntegerField(
        _("cutting-edge technologies to select"), default=8)
    innovative_quota = models.PositiveSmallIntegerField(_("innovative technologies to select"), default=8)
    results_published = models.BooleanField(_("results published"), default=False)

    objects = EditionQuerySet.as_manager()

    class Meta:
        ordering = ["-year"]
        verbose_name = _("edition")
        verbose_name_plural = _("editions")
        constraints = [
            models.CheckConstraint(condition=models.Q(closes_at__gt=models.F("opens_at")),
                                   name="edition_closes_after_opening"),
        ]

    def __str__(self):
        return f"{self.year} · {self.title}"

    def phase(self, now=None) -> str:
        """'upcoming', 'open', 'closing_soon' (last 7 days) or 'closed'."""
        now = now or timezone.now()
        if now < self.opens_at:
            return "upcoming"
        if now >= self.closes_at:
            return "closed"
        if self.closes_at - now <= timezone.timedelta(days=7):
            return "closing_soon"
        return "open"

    def is_open(self, now=None) -> bool:
        return self.phase(now) in {"open", "closing_soon"}


class Category(models.Model):
    """Cutting-edge (前沿技术) or innovative (创新技术)."""

    CUTTING_EDGE = "cutting_edge"
    INNOVATIVE = "innovative"
    CODE_CHOICES = [(CUTTING_EDGE, _("Cutting-edge technology")), (INNOVATIVE, _("Innovative technology"))]

    code = models.CharField(_("code"), max_length=20, unique=True, choices=CODE_CHOICES)
    reference_code = models.CharField(
        _("reference code"), max_length=4, unique=True,
        help_text=_("Used in reference numbers, e.g. CE in WNEVC2023-CE-0007."))
    name = models.CharField(_("name"), max_length=100)
    definition = models.TextField(_("definition"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self):
        return self.name


class TechnicalField(models.Model):
    name = models.CharField(_("name"), max_length=100)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("offered in the form"), default=True)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("technical field")
        verbose_name_plural = _("technical fields")

    def __str__(self):
        return self.name


class Page(models.Model):
    """Editable page texts: 'how to take part', contact, privacy notice, FAQ items."""

    class Kind(models.TextChoices):
        PAGE = "page", _("Page")
        FAQ = "faq", _("FAQ item")

    slug = models.SlugField(_("slug"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.PAGE)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    published = models.BooleanField(_("published"), default=True)

    class Meta:
        ordering = ["kind", "order", "id"]
        verbose_name = _("page text")
        verbose_name_plural = _("page texts and FAQ")

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("submissions:page", args=[self.slug])
