"""The tally of a category as a workbook."""

import io

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook

from .entries import neutralise


def tally_xlsx(result) -> bytes:
    """The tally as a workbook: one row per entry, both language versions of the technology name."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = str(result.category.code)[:31]
    sheet.append([gettext("Rank"), gettext("Final rank"), gettext("Reference number"),
                  gettext("Technology name (Chinese)"), gettext("Technology name (English)"),
                  gettext("Organisation"), gettext("Status"), gettext("Reviews"), gettext("Abstentions"),
                  gettext("Conflicts of interest"), gettext("Weighted mean"), gettext("Median"), gettext("Spread"),
                  gettext("Votes"), gettext("Approval (%)"), gettext("Proposed"), gettext("Flags")])
    for row in result.rows:
        entry = row.entry
        sheet.append([neutralise(value) for value in [
            row.rank, row.final_rank, entry.reference or entry.pk, entry.title_zh_hans, entry.title_en,
            entry.org_name, str(entry.get_status_display()), row.reviews, row.abstentions, row.conflicts, row.mean,
            row.median, row.spread, row.votes, row.approval, gettext("yes") if row.proposed else "",
            ", ".join(str(flag) for flag in tally_flags(row))]])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def tally_flags(row) -> list:
    flags = []
    if row.tie:
        flags.append(_("tie at the cut-off"))
    if row.outlier:
        flags.append(_("outlier (spread ≥ 4)"))
    if row.too_few_reviews:
        flags.append(_("fewer than 3 reviews"))
    if row.below_threshold:
        flags.append(_("below the approval threshold"))
    return flags
