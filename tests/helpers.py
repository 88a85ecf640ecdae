"""Helpers shared by test modules (test modules never import from each other)."""

from datetime import timedelta

from django.utils import timezone

from submissions import schema
from submissions.models import Assignment, Category, Criterion, EntryStatus, TechnicalField
from submissions.services import entries as entry_services
from submissions.services import review as review_services
from tests.factories import EntryFactory, ExpertFactory, UserFactory


# --- The nominator's entry form --------------------------------------------------------------------------
def management(rows=None):
    """Empty management forms for every row formset (plus the given rows)."""
    data = {}
    for prefix in (table.prefix for table in schema.row_tables()):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0",
                     f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"})
    for prefix, items in (rows or {}).items():
        data[f"{prefix}-TOTAL_FORMS"] = str(len(items))
        for index, item in enumerate(items):
            data.update({f"{prefix}-{index}-{key}": value for key, value in item.items()})
    return data


def full_form(rows=True, **overrides):
    """POST data of a complete entry form (an innovative technology, recommended by an organisation);
    a value of None leaves the field out."""
    data = {
        "category": str(Category.objects.get(code=Category.INNOVATIVE).pk),
        "technical_field": str(TechnicalField.objects.first().pk),
        "title_zh_hans": "800V碳化硅电驱系统", "title_en": "800 V silicon-carbide e-drive",
        "org_name_zh_hans": "示例电驱有限公司", "org_name_en": "Example E-Drive Ltd.", "org_country": "DE",
        "org_type": "enterprise", "org_address_en": "1 Example Strasse, Berlin",
        "contact_name": "Anna Schmidt", "contact_position": "CTO", "contact_email": "anna@example.de",
        "contact_mobile": "+49 30 901820", "contact_language": "en",
        "summary_zh_hans": "效率达到97%的电驱系统。", "summary_en": "An e-drive reaching 97% efficiency.",
        "innovations_zh_hans": "1. 碳化硅；2. 油冷；3. 集成。", "innovations_en": "1. SiC; 2. oil cooling; 3. integration.",
        "indicators_text_en": "Efficiency 97% vs 94%.", "maturity": "mass_production",
        "application_en": "In 200,000 vehicles since 2022.", "prospects_zh_hans": "可推广至商用车。",
        "recommended_by": "organisation", "recommender_name": "German Automotive Association",
        "recommender_email": "office@example.de", "statement_en": "We recommend this technology.",
        "decl_authentic": "on", "decl_no_ip_dispute": "on", "decl_no_classified": "on",
        "consent_publication": "on", "consent_personal_data": "on",
        "signatory_name": "Anna Schmidt", "signatory_position": "CTO",
    }
    # Rows are only sent as new rows once; later posts leave the saved rows alone.
    data.update(management({"indicators": [{"name": "Efficiency", "unit": "%", "this_value": "97",
                                            "best_value": "94"}]} if rows else None))
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# --- Entries at a given stage ------------------------------------------------------------------------------
def issued_form_token(client) -> str:
    """The form token the new-entry page issues to the logged-in nominator."""
    page = client.get("/en/nominations/new/").content.decode()
    return page.split('name="form_token" value="')[1].split('"')[0]


def submitted_entry(edition, nominator=None, **fields):
    nominator = nominator or UserFactory()
    entry = EntryFactory(edition=edition, nominator=nominator, with_materials=True, **fields)
    return entry_services.submit_entry(entry=entry, by=nominator)


def shortlisted_entry(edition, organiser, nominator=None, **fields):
    entry = submitted_entry(edition, nominator, **fields)
    entry_services.change_status(entry=entry, to=EntryStatus.ELIGIBLE, by=organiser)
    return entry_services.change_status(entry=entry, to=EntryStatus.SHORTLISTED, by=organiser)


# --- The expert review -------------------------------------------------------------------------------------
def make_expert(email, organisation="", language="en"):
    return ExpertFactory(email=email, organisation=organisation, language=language, full_name=email.split("@")[0])


def set_round(round_, *, open_now: bool):
    """Open `round_` now (since yesterday, until tomorrow) or close it (it ended yesterday)."""
    now = timezone.now()
    if open_now:
        round_.opens_at, round_.closes_at = now - timedelta(days=1), now + timedelta(days=1)
    else:
        round_.opens_at, round_.closes_at = now - timedelta(days=3), now - timedelta(days=1)
    round_.save()
    return round_


def score(expert, entry, values, *, comment="Solid work.", abstained=False):
    """The expert's review of the entry through the service, `values` in the order of the criteria
    (assigned first if not yet); an abstention gives no values."""
    assignment, _ = Assignment.objects.get_or_create(expert=expert, entry=entry)
    criteria = list(Criterion.objects.filter(edition=entry.edition, category=entry.category).order_by("order"))
    scores = {c.pk: v for c, v in zip(criteria, values, strict=False)}
    return review_services.record_review(assignment=assignment, scores=scores, comment=comment, abstained=abstained)

