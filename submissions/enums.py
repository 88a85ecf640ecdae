"""Choices shared by models, forms, services and exports (stored values in lower_snake,
labels translated). A leaf: imports nothing of the app."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

SCORE_MIN, SCORE_MAX = 1, 10


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


class IPKind(models.TextChoices):
    INVENTION = "invention", _("Invention patent")
    UTILITY = "utility", _("Utility model")
    PCT = "pct", _("PCT application")
    SOFTWARE = "software", _("Software copyright")
    STANDARD = "standard", _("Standard")
    OTHER = "other", _("Other")


class AttachmentKind(models.TextChoices):
    REPORT = "report", _("Technical report")
    IMAGE = "image", _("Image")
    IP_CERTIFICATE = "ip_certificate", _("IP certificate")
    TEST_REPORT = "test_report", _("Test report")
    APPLICATION_EVIDENCE = "application_evidence", _("Application evidence")
    OTHER = "other", _("Other supporting document")
    LETTER = "letter", _("Signed recommendation letter")
    PLEDGE = "pledge", _("Signed integrity pledge")
