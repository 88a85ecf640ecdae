"""An entry (the recommendation form), its structured rows and its status history. Bilingual
fields are registered in translation.py; what the form asks for is declared in schema.py. Only
services change `status`."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from ..enums import EntrySource, EntryStatus, IPKind, Maturity, OrganisationType, RecommenderType
from .edition import Category, Edition, TechnicalField


class Entry(models.Model):
    """A technology recommendation. Only functions in services.py change `status`."""

    edition = models.ForeignKey(Edition, on_delete=models.PROTECT, related_name="entries",
                                verbose_name=_("edition"))
    nominator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="entries", verbose_name=_("nominator"))
    source = models.CharField(_("source"), max_length=20, choices=EntrySource.choices,
                              default=EntrySource.OPEN)
    status = models.CharField(_("status"), max_length=20, choices=EntryStatus.choices,
                              default=EntryStatus.DRAFT, db_index=True)
    reference = models.CharField(_("reference number"), max_length=32, unique=True, null=True,
                                 blank=True, editable=False)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)
    correction_deadline = models.DateTimeField(_("correction deadline"), null=True, blank=True)
    internal_notes = models.TextField(_("internal notes"), blank=True,
                                      help_text=_("Only organisers see these notes; never shown to the nominator."))
    # Identifies the form a new entry was created from, so a repeated POST cannot create a twin.
    form_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    # 1. Category and field
    category = models.ForeignKey(Category, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="entries", verbose_name=_("category"))
    technical_field = models.ForeignKey(TechnicalField, on_delete=models.PROTECT, null=True, blank=True,
                                        related_name="entries", verbose_name=_("technical field"))
    title = models.CharField(_("technology name"), max_length=200, blank=True)
    keywords = models.CharField(_("keywords"), max_length=200, blank=True)

    # 2. Applicant organisation
    org_name = models.CharField(_("organisation name"), max_length=200, blank=True)
    org_country = CountryField(_("country/region"), blank=True)
    org_type = models.CharField(_("organisation type"), max_length=20, choices=OrganisationType.choices,
                                blank=True)
    org_registration_number = models.CharField(_("registration number"), max_length=50, blank=True)
    org_address = models.CharField(_("postal address"), max_length=300, blank=True)
    org_postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    org_website = models.URLField(_("website"), max_length=300, blank=True)

    # 3. Contact person
    contact_name = models.CharField(_("contact name"), max_length=100, blank=True)
    contact_position = models.CharField(_("department / position"), max_length=100, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_mobile = models.CharField(_("mobile phone"), max_length=32, blank=True)
    contact_phone = models.CharField(_("office phone"), max_length=32, blank=True)
    contact_language = models.CharField(_("contact's preferred language"), max_length=10,
                                        choices=settings.LANGUAGES, blank=True)

    # 4. Technology
    summary = models.TextField(_("summary"), blank=True)
    innovations = models.TextField(_("key innovations"), blank=True)
    indicators_text = models.TextField(_("key technical indicators vs. the state of the art"), blank=True)
    maturity = models.CharField(_("maturity"), max_length=30, choices=Maturity.choices, blank=True)
    rd_start = models.DateField(_("R&D start"), null=True, blank=True)
    rd_end = models.DateField(_("R&D completion"), null=True, blank=True)
    application = models.TextField(_("application and industrialisation status"), blank=True)
    prospects = models.TextField(_("prospects and impact on the NEV industry"), blank=True)
    evaluation = models.TextField(_("third-party evaluation / testing"), blank=True)
    patents_granted = models.PositiveIntegerField(_("granted invention patents"), null=True, blank=True,
                                                  validators=[MaxValueValidator(100000)])
    patents_pending = models.PositiveIntegerField(_("pending patent applications"), null=True, blank=True,
                                                  validators=[MaxValueValidator(100000)])
    ip_other = models.PositiveIntegerField(_("other IP (utility models, software copyrights, standards)"),
                                           null=True, blank=True, validators=[MaxValueValidator(100000)])
    contributors_publish_consent = models.BooleanField(
        _("the key contributors agree to the publication of their names"), default=False)

    # 5. Recommendation
    recommended_by = models.CharField(_("recommended by"), max_length=20, choices=RecommenderType.choices,
                                      blank=True)
    recommender_name = models.CharField(_("recommending organisation or person"), max_length=200, blank=True)
    recommender_organisation = models.CharField(_("recommender's organisation"), max_length=200, blank=True)
    recommender_title = models.CharField(_("recommender's title / position"), max_length=100, blank=True)
    recommender_email = models.EmailField(_("recommender's e-mail"), blank=True)
    recommender_phone = models.CharField(_("recommender's phone"), max_length=32, blank=True)
    statement = models.TextField(_("recommendation statement"), blank=True)

    # 7. Declarations
    decl_authentic = models.BooleanField(
        _("The information and attachments are true, accurate and complete."), default=False)
    decl_no_ip_dispute = models.BooleanField(
        _("There is no intellectual-property dispute and no infringement of third-party rights."),
        default=False)
    decl_no_classified = models.BooleanField(
        _("The materials contain no classified or export-restricted information."), default=False)
    consent_publication = models.BooleanField(
        _("If selected, the organisation, technology name, summary and images may be published."),
        default=False)
    consent_personal_data = models.BooleanField(
        _("I consent to the processing of personal data under the privacy notice."), default=False)
    signatory_name = models.CharField(_("signatory name"), max_length=100, blank=True)
    signatory_position = models.CharField(_("signatory position"), max_length=100, blank=True)
    signed_on = models.DateField(_("signed on"), null=True, blank=True)

    class Meta:
        ordering = ["-updated_at"]
        verbose_name = _("entry")
        verbose_name_plural = _("entries")
        indexes = [models.Index(fields=["edition", "status"]),
                   models.Index(fields=["-submitted_at", "-id"], name="entry_admin_order"),
                   # The admin's country filter lists the countries in use by probing this index.
                   models.Index(fields=["org_country"], name="entry_org_country")]

    def __str__(self):
        return self.reference or self.title or str(_("Untitled entry"))

    def get_absolute_url(self):
        return reverse("submissions:entry_detail", args=[self.pk])

    DECLARATION_FIELDS = ["decl_authentic", "decl_no_ip_dispute", "decl_no_classified", "consent_publication",
                          "consent_personal_data"]

    def declarations(self):
        """(given?, text) for each declaration of section 7, in form order."""
        return [(getattr(self, name), self._meta.get_field(name).verbose_name) for name in self.DECLARATION_FIELDS]

    @property
    def is_self_nominated(self) -> bool:
        return self.recommended_by == RecommenderType.SELF


class EntryRow(models.Model):
    """Base of the structured rows of an entry, kept in the order the nominator gives."""

    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        abstract = True
        ordering = ["order", "id"]


class CoApplicant(EntryRow):
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="co_applicants")
    name = models.CharField(_("organisation name"), max_length=200)
    country = CountryField(_("country/region"), blank=True)
    role = models.CharField(_("role"), max_length=200, blank=True)

    class Meta(EntryRow.Meta):
        verbose_name = _("co-applicant organisation")
        verbose_name_plural = _("co-applicant organisations")

    def __str__(self):
        return self.name


class Indicator(EntryRow):
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="indicators")
    name = models.CharField(_("indicator"), max_length=200)
    unit = models.CharField(_("unit"), max_length=50, blank=True)
    this_value = models.CharField(_("this technology"), max_length=100)
    best_value = models.CharField(_("best comparable"), max_length=100, blank=True)
    source = models.CharField(_("data source"), max_length=200, blank=True)

    class Meta(EntryRow.Meta):
        verbose_name = _("technical indicator")
        verbose_name_plural = _("technical indicators")

    def __str__(self):
        return self.name


class IntellectualProperty(EntryRow):
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="ip_items")
    title = models.CharField(_("title"), max_length=300)
    kind = models.CharField(_("type"), max_length=20, choices=IPKind.choices)
    country = CountryField(_("country/region"), blank=True)
    number = models.CharField(_("grant or application number"), max_length=100, blank=True)
    status = models.CharField(_("status"), max_length=100, blank=True)
    holder = models.CharField(_("holder"), max_length=200, blank=True)

    class Meta(EntryRow.Meta):
        verbose_name = _("intellectual property item")
        verbose_name_plural = _("intellectual property items")

    def __str__(self):
        return self.title


class Award(EntryRow):
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="awards")
    name = models.CharField(_("award"), max_length=200)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True,
                                            validators=[MinValueValidator(1900), MaxValueValidator(2100)])
    level = models.CharField(_("level"), max_length=100, blank=True)
    body = models.CharField(_("awarding body"), max_length=200, blank=True)

    class Meta(EntryRow.Meta):
        verbose_name = _("award")
        verbose_name_plural = _("awards")

    def __str__(self):
        return self.name


class Contributor(EntryRow):
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="contributors")
    full_name = models.CharField(_("full name"), max_length=100)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    title = models.CharField(_("title / position"), max_length=100, blank=True)
    contribution = models.CharField(_("contribution"), max_length=300, blank=True)

    class Meta(EntryRow.Meta):
        verbose_name = _("key contributor")
        verbose_name_plural = _("key contributors")

    def __str__(self):
        return self.full_name


class StatusChange(models.Model):
    """One line of an entry's history: who moved it from where to where, when and why."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="status_changes",
                              verbose_name=_("entry"))
    from_status = models.CharField(_("from"), max_length=20, choices=EntryStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=EntryStatus.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                           related_name="+", verbose_name=_("by"))
    at = models.DateTimeField(_("at"), default=timezone.now)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("status change")
        verbose_name_plural = _("status history")

    def __str__(self):
        return f"{self.from_status or '–'} → {self.to_status}"
