"""The public results page of an edition, after the organisers confirmed and published the selection."""

import pytest
from django.core.exceptions import ValidationError

from submissions.models import Category, Entry, Round, SelectionOutcome
from submissions.services import attachments as attachment_services
from submissions.services import selection as selection_services
from tests.factories import png_upload
from tests.helpers import set_round, shortlisted_entry


@pytest.fixture
def published(edition, organiser, rounds):
    """One selected cutting-edge entry (with a publishable and a private image), one innovative
    entry selected and one nominated (shortlisted, not selected); results published."""
    edition.cutting_edge_quota = 1
    edition.innovative_quota = 1
    edition.save()
    innovative = Category.objects.get(code=Category.INNOVATIVE)
    ce = shortlisted_entry(edition, organiser, title_en="Solid-state cell", title_zh_hans="固态电芯",
                           summary_en="Cells at 450 Wh/kg.", org_name_en="Example Technology Ltd.")
    attachment_services.add_attachment(entry=ce, kind="image", upload=png_upload("public.png"), may_publish=True)
    attachment_services.add_attachment(entry=ce, kind="image", upload=png_upload("private.png"), may_publish=False)
    ce_out = shortlisted_entry(edition, organiser, title_en="Losing cell", title_zh_hans="落选电芯")
    inn = shortlisted_entry(edition, organiser, category=innovative, title_en="SiC e-drive", title_zh_hans="碳化硅电驱",
                            application_en="In 200,000 vehicles.")
    nominated = shortlisted_entry(edition, organiser, category=innovative, title_en="Heat pump",
                                  title_zh_hans="热泵空调", application_en="In 10,000 vehicles.")
    set_round(rounds[Round.Kind.VOTE], open_now=False)
    return {"ce": ce, "ce_out": ce_out, "inn": inn, "nominated": nominated, "innovative": innovative}


def test_results_page_is_404_before_publication_and_shown_after_in_both_languages(client, edition, organiser,
                                                                                   published):
    url = f"/en/results/{edition.year}/"
    public = published["ce"].attachments.get(original_name="public.png")
    private = published["ce"].attachments.get(original_name="private.png")
    assert client.get(url).status_code == 404
    assert client.get(f"/zh-hans/results/{edition.year}/").status_code == 404
    assert client.get(f"/en/results/{edition.year}/images/{public.pk}/").status_code == 404
    with pytest.raises(ValidationError):  # nothing confirmed yet
        selection_services.publish_results(edition=edition)

    # No votes and no scores: every finalist ties at the cut-off, so the organisers record their decision.
    selection_services.confirm_selection(edition=edition, category=published["ce"].category, selected=[published["ce"]],
                                      by=organiser, note="Decided at the committee meeting.")
    selection_services.confirm_selection(edition=edition, category=published["innovative"], selected=[published["inn"]],
                                      by=organiser, note="Decided at the committee meeting.")
    selection_services.publish_results(edition=edition)

    english = client.get(url).content.decode()
    assert '<html lang="en">' in english
    for text in ("Solid-state cell", "Cells at 450 Wh/kg.", "Example Technology Ltd.", "China", "SiC e-drive",
                 "Nominated", "Heat pump"):
        assert text in english
    assert "Losing cell" not in english
    assert f"/en/results/{edition.year}/images/{public.pk}/" in english
    assert f"/images/{private.pk}/" not in english
    assert english.index("SiC e-drive") < english.index("Nominated") < english.index("Heat pump")
    chinese = client.get(f"/zh-hans/results/{edition.year}/").content.decode()
    assert '<html lang="zh-Hans">' in chinese
    assert "固态电芯" in chinese and "热泵空调" in chinese and "落选电芯" not in chinese
    image = client.get(f"/en/results/{edition.year}/images/{public.pk}/")
    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"
    assert client.get(f"/en/results/{edition.year}/images/{private.pk}/").status_code == 404
    assert f"/en/results/{edition.year}/" in client.get("/en/").content.decode()  # the home page links to it
    assert SelectionOutcome.objects.get(entry=published["nominated"]).nominated


def test_results_hide_entries_without_publication_consent(client, edition, organiser, published):
    Entry.objects.filter(pk=published["ce"].pk).update(consent_publication=False)
    for category, selected in [(published["ce"].category, [published["ce"]]), (published["innovative"], [])]:
        selection_services.confirm_selection(edition=edition, category=category, selected=selected, by=organiser,
                                          note="Decided by the committee.")
    selection_services.publish_results(edition=edition)
    html = client.get(f"/en/results/{edition.year}/").content.decode()
    assert "Solid-state cell" not in html and "Heat pump" in html
