"""The review in the organisers' admin: assigning entries, the tally, confirming and publishing."""

import io

from openpyxl import load_workbook

from submissions.models import Assignment, Entry, EntryStatus
from submissions.services import review as review_services
from tests.helpers import make_expert, set_round, submitted_entry

EN = {"accept-language": "en"}


def test_admin_assign_view_assigns_matching_entries(admin_client, edition):
    experts = [make_expert(f"x{i}@example.org") for i in range(3)]
    entries = [submitted_entry(edition) for _ in range(2)]
    response = admin_client.post("/admin/submissions/assignment/assign/", {
        "edition": edition.pk, "statuses": ["submitted"], "per_entry": 2}, headers=EN)
    assert response.status_code == 302
    assert Assignment.objects.filter(entry__in=entries).count() == 4
    assert set(Assignment.objects.values_list("expert", flat=True)) <= {x.pk for x in experts}
    page = admin_client.get("/admin/submissions/assignment/", headers=EN).content.decode()
    assert "4 assignments created." in page


def test_admin_tally_shows_the_ranking_exports_xlsx_confirms_and_publishes(client, organiser, final, edition,
                                                                           django_capture_on_commit_callbacks):
    (x1, x2, _x3), (alpha, beta, gamma), vote, category = final.values()
    review_services.cast_votes(expert=x1, round_=vote, category=category, entries=[alpha, beta])
    review_services.cast_votes(expert=x2, round_=vote, category=category, entries=[alpha, beta])
    set_round(vote, open_now=False)
    client.force_login(organiser)
    url = f"/admin/submissions/round/tally/{edition.pk}/cutting_edge/"

    html = client.get(url, headers=EN).content.decode()
    assert "Tally: Cutting-edge technology" in html
    assert html.index("Alpha") < html.index("Beta") < html.index("Gamma")
    assert "fewer than 3 reviews" in html and "Confirm the selection" in html

    workbook = load_workbook(io.BytesIO(client.get(url + "xlsx/", headers=EN).content))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[0][:5] == ("Rank", "Final rank", "Reference number", "Technology name (Chinese)",
                           "Technology name (English)")
    assert [(r[3], r[4], r[13]) for r in rows[1:]] == [("甲技术", "Alpha", 2), ("乙技术", "Beta", 2), ("丙技术", "Gamma", 0)]

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"selected": [alpha.pk, beta.pk], "note": "", "message": ""}, headers=EN)
    assert response.status_code == 302
    assert Entry.objects.get(pk=gamma.pk).status == EntryStatus.NOT_SELECTED
    assert "Confirmed selection" in client.get(url, headers=EN).content.decode()

    response = client.post(f"/admin/submissions/round/tally/{edition.pk}/publish/", {"publish": "1", "next": url})
    assert response.status_code == 302 and response["Location"] == url
    edition.refresh_from_db()
    assert edition.results_published


def test_admin_tally_is_closed_to_experts_and_nominators(client, expert1, nominator, edition):
    for user in (expert1, nominator):
        client.force_login(user)
        response = client.get(f"/admin/submissions/round/tally/{edition.pk}/cutting_edge/")
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
