"""The recommendation form, declared once (FORM.md §C)."""

from django.utils.translation import gettext_lazy as _

BILINGUAL_LABELS = {
    "title": (_("Technology name (Chinese)"), _("Technology name (English)")),
    "keywords": (_("Keywords (Chinese)"), _("Keywords (English)")),
    "org_name": (_("Organisation name (Chinese)"), _("Organisation name (English)")),
    "org_address": (_("Postal address (Chinese)"), _("Postal address (English)")),
    "summary": (_("Summary (Chinese)"), _("Summary (English)")),
    "innovations": (_("Key innovations (Chinese)"), _("Key innovations (English)")),
    "indicators_text": (_("Key technical indicators vs. the state of the art (Chinese)"),
                        _("Key technical indicators vs. the state of the art (English)")),
    "application": (_("Application and industrialisation status (Chinese)"),
                    _("Application and industrialisation status (English)")),
    "prospects": (_("Prospects and impact on the NEV industry (Chinese)"),
                  _("Prospects and impact on the NEV industry (English)")),
    "evaluation": (_("Third-party evaluation / testing (Chinese)"), _("Third-party evaluation / testing (English)")),
    "statement": (_("Recommendation statement (Chinese)"), _("Recommendation statement (English)")),
}
