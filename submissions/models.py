"""The domain of the portal: editions and reference content, accounts, entries and their
materials. Bilingual fields are registered in translation.py (django-modeltranslation adds
`<field>_zh_hans` and `<field>_en` columns). Only services.py changes an entry's status."""

import uuid
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_countries.fields import CountryField


# --- Accounts --------------------------------------------------------------------------------
class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        extra.setdefault("email_confirmed_at", timezone.now())
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person with an account; the e-mail address is the login. One `full_name` field,
    because Chinese names do not split into first and last name."""

    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=100)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    language = models.CharField(
        _("preferred language"), max_length=10, choices=settings.LANGUAGES, default="zh-hans",
        help_text=_("E-mails from the portal are sent in this language."),
    )
    email_confirmed_at = models.DateTimeField(_("e-mail confirmed at"), null=True, blank=True)
    is_staff = models.BooleanField(_("staff status"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.email

    def get_full_name(self):
        return self.full_name or self.email

    def get_short_name(self):
        return self.full_name or self.email

    @property
    def email_confirmed(self) -> bool:
        return self.email_confirmed_at is not None


# --- Reference content -----------------------------------------------------------------------
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


# --- Entries ---------------------------------------------------------------------------------
class EntryStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("entry status", "Draft")
    SUBMITTED = "submitted", pgettext_lazy("entry status", "Submitted")
    WITHDRAWN = "withdrawn", pgettext_lazy("entry status", "Withdrawn")
    ELIGIBLE = "eligible", pgettext_lazy("entry status", "Eligible")
    RETURNED = "returned", pgettext_lazy("entry status", "Returned for correction")
    INELIGIBLE = "ineligible", pgettext_lazy("entry status", "Ineligible")
    SHORTLISTED = "shortlisted", pgettext_lazy("entry status", "Shortlisted")
    SELECTED = "selected", pgettext_lazy("entry status", "Selected")
    NOT_SELECTED = "not_selected", pgettext_lazy("entry status", "Not selected")


class EntrySource(models.TextChoices):
    OPEN = "open", _("Open collection")
    COMMITTEE_EXPERT = "committee_expert", _("Committee-expert recommendation")
    SECRETARIAT = "secretariat", _("Secretariat recommendation")


class OrganisationType(models.TextChoices):
    ENTERPRISE = "enterprise", _("Enterprise")
    UNIVERSITY = "university", _("University")
    INSTITUTE = "institute", _("Research institute")
    OTHER = "other", _("Other")


class Maturity(models.TextChoices):
    RESEARCH = "research", _("Basic research (TRL 1–3)")
    LAB_PROTOTYPE = "lab_prototype", _("Laboratory prototype (TRL 4)")
    ENGINEERING_PROTOTYPE = "engineering_prototype", _("Engineering prototype (TRL 5–6)")
    PILOT = "pilot", _("Pilot or small batch (TRL 7–8)")
    MASS_PRODUCTION = "mass_production", _("Mass production (TRL 9)")


class RecommenderType(models.TextChoices):
    ORGANISATION = "organisation", _("Recommended by an organisation")
    EXPERT = "expert", _("Recommended by an expert")
    SELF = "self", _("Self-nomination")


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


class IPKind(models.TextChoices):
    INVENTION = "invention", _("Invention patent")
    UTILITY = "utility", _("Utility model")
    PCT = "pct", _("PCT application")
    SOFTWARE = "software", _("Software copyright")
    STANDARD = "standard", _("Standard")
    OTHER = "other", _("Other")


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


class AttachmentKind(models.TextChoices):
    REPORT = "report", _("Technical report")
    IMAGE = "image", _("Image")
    IP_CERTIFICATE = "ip_certificate", _("IP certificate")
    TEST_REPORT = "test_report", _("Test report")
    APPLICATION_EVIDENCE = "application_evidence", _("Application evidence")
    OTHER = "other", _("Other supporting document")
    LETTER = "letter", _("Signed recommendation letter")
    PLEDGE = "pledge", _("Signed integrity pledge")


def attachment_path(instance, filename):
    # Never store under the client's file name; it is kept in `original_name` for display only.
    return f"entries/{instance.entry_id}/{uuid.uuid4().hex}{Path(filename).suffix.lower()}"


def thumbnail_path(instance, filename):
    return f"entries/{instance.entry_id}/thumbs/{uuid.uuid4().hex}.jpg"


class Attachment(models.Model):
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="attachments",
                              verbose_name=_("entry"))
    kind = models.CharField(_("kind"), max_length=30, choices=AttachmentKind.choices)
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    thumbnail = models.FileField(_("thumbnail"), upload_to=thumbnail_path, max_length=200, blank=True)
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    may_publish = models.BooleanField(_("may be published if selected"), default=False)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["kind", "uploaded_at", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self):
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


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


class ReferenceCounter(models.Model):
    """Last reference sequence number per edition and category (locked while allocating)."""

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="+")
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="+")
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["edition", "category"], name="one_counter_per_category")]


class OutgoingMail(models.Model):
    """Every e-mail the portal sends is stored first, then sent after the transaction commits;
    a failure leaves it here for `manage.py send_pending_mail`."""

    to = models.EmailField(_("to"))
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("text"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mails")

    def __str__(self):
        return f"{self.to}: {self.subject}"


from .review_models import *  # noqa: E402,F401,F403  (expert review models live in their own module)
