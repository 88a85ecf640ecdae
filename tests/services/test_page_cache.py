"""The services that change what visitors see refresh the public page cache after the commit,
by name (no signals); the admin's reference content goes through services.content."""

import pytest
from django.db.models.signals import post_delete, post_save
from django.test import Client
from django.utils import timezone

from submissions import page_cache
from submissions.models import Attachment, Category, Edition, Entry, Page, TechnicalField
from submissions.services import attachments as attachment_services
from submissions.services import content as content_services
from submissions.services import selection as selection_services

from ..factories import png_upload


def html(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status
    return response.content.decode()


# --- Publishing the results ------------------------------------------------------------------------
@pytest.mark.parametrize("lang", ["en", "zh-hans"])
def test_publishing_the_results_shows_the_link_on_the_cached_home_page(client, edition, selected, page_cache_on,
                                                                       lang, django_capture_on_commit_callbacks):
    link = f'href="/{lang}/results/{edition.year}/"'
    assert link not in html(client, f"/{lang}/")  # now cached for visitors
    with django_capture_on_commit_callbacks(execute=True):
        selection_services.publish_results(edition=edition)
    home = html(client, f"/{lang}/")
    assert link in home
    assert ("Past results" if lang == "en" else "往届评选结果") in home


@pytest.mark.parametrize("lang", ["en", "zh-hans"])
def test_unpublishing_the_results_takes_the_cached_results_page_down_at_once(client, edition, selected, page_cache_on,
                                                                             lang, django_capture_on_commit_callbacks):
    url = f"/{lang}/results/{edition.year}/"
    with django_capture_on_commit_callbacks(execute=True):
        selection_services.publish_results(edition=edition)
    page = html(client, url)  # cached
    assert ("Solid-state cell" if lang == "en" else "固态电芯") in page
    assert f'<html lang="{"en" if lang == "en" else "zh-Hans"}">' in page
    with django_capture_on_commit_callbacks(execute=True):
        selection_services.publish_results(edition=edition, publish=False)
    html(client, url, status=404)
    assert f'href="{url}"' not in html(client, f"/{lang}/")


def test_the_cache_is_refreshed_only_after_the_commit(client, edition, selected, page_cache_on,
                                                      django_capture_on_commit_callbacks):
    url = f"/en/results/{edition.year}/"
    with django_capture_on_commit_callbacks(execute=True):
        selection_services.publish_results(edition=edition)
    html(client, url)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        selection_services.publish_results(edition=edition, publish=False)
        assert html(client, url)  # not committed yet: visitors still get the page they had
    assert page_cache.invalidate in callbacks


def test_a_new_public_image_of_a_published_result_shows_at_once(client, edition, selected, page_cache_on,
                                                                django_capture_on_commit_callbacks):
    url = f"/en/results/{edition.year}/"
    with django_capture_on_commit_callbacks(execute=True):
        selection_services.publish_results(edition=edition)
    assert "/images/" not in html(client, url)
    with django_capture_on_commit_callbacks(execute=True):
        image = attachment_services.add_attachment(entry=selected, kind="image", upload=png_upload("cell.png"),
                                                   may_publish=True)
    assert f"/en/results/{edition.year}/images/{image.pk}/" in html(client, url)
    with django_capture_on_commit_callbacks(execute=True):
        attachment_services.remove_attachment(attachment=image)
    assert "/images/" not in html(client, url)


# --- Reference content in the admin -----------------------------------------------------------------
def _change_form_data(client, url):
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {}
    for name, value in form.initial.items():
        if value is None or isinstance(value, list) or name not in form.fields:
            continue
        if hasattr(value, "tzinfo"):  # the admin's split date and time widgets
            local = timezone.localtime(value)
            data[f"{name}_0"], data[f"{name}_1"] = local.strftime("%Y-%m-%d"), local.strftime("%H:%M:%S")
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        else:
            data[name] = value
    return data


def test_a_category_renamed_in_the_admin_shows_on_the_cached_home_page(client, organiser, edition, page_cache_on,
                                                                       django_capture_on_commit_callbacks):
    visitor = Client()
    category = Category.objects.get(code=Category.CUTTING_EDGE)
    assert category.name_en in html(visitor, "/en/")
    client.force_login(organiser)
    url = f"/admin/submissions/category/{category.pk}/change/"
    data = _change_form_data(client, url)
    data["name_en"] = "Frontier technologies"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, data)
    assert response.status_code == 302
    assert "Frontier technologies" in html(visitor, "/en/")


def test_a_page_deleted_with_the_admin_action_is_gone_from_the_cache(client, organiser, edition, page_cache_on,
                                                                     django_capture_on_commit_callbacks):
    visitor = Client()
    page = Page.objects.filter(published=True, kind=Page.Kind.PAGE).first()
    url = f"/en/pages/{page.slug}/"
    html(visitor, url)
    client.force_login(organiser)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/admin/submissions/page/", {"action": "delete_selected", "post": "yes",
                                                            "_selected_action": [page.pk]})
    assert response.status_code == 302 and not Page.objects.filter(pk=page.pk).exists()
    html(visitor, url, status=404)


def test_results_are_published_from_the_tally_not_the_edition_form(client, organiser, edition, page_cache_on):
    client.force_login(organiser)
    url = f"/admin/submissions/edition/{edition.pk}/change/"
    data = _change_form_data(client, url)
    data["results_published"] = "on"
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    edition.refresh_from_db()
    assert not edition.results_published  # read only here: publish_results() checks a selection is confirmed


def test_content_saves_and_deletes_survive_a_dead_cache_server(edition, settings, django_capture_on_commit_callbacks):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:1/0", "OPTIONS": {"socket_connect_timeout": 0.2}}}
    edition.title_en = "Saved while the cache is down"
    with django_capture_on_commit_callbacks(execute=True):
        content_services.save_content(edition)
        content_services.delete_content(Page.objects.filter(kind=Page.Kind.FAQ))
    assert not Page.objects.filter(kind=Page.Kind.FAQ).exists()


def test_only_reference_content_goes_through_the_content_service(edition, nominator):
    with pytest.raises(TypeError):
        content_services.save_content(nominator)


def test_no_signal_wiring_is_left(edition):
    assert not hasattr(page_cache, "connect_signals")
    for model in (Edition, Category, TechnicalField, Page, Entry, Attachment):
        receivers = post_save._live_receivers(model) + post_delete._live_receivers(model)
        flat = [r for group in receivers for r in (group if isinstance(group, list) else [group])]
        assert page_cache.invalidate not in flat
