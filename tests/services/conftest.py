import pytest

from submissions.models import EntryStatus
from submissions.services import entries as entry_services
from submissions.services import selection as selection_services

from ..factories import EntryFactory, UserFactory


@pytest.fixture
def organiser_client(client, organiser):
    client.force_login(organiser)
    return client


@pytest.fixture
def page_cache_on(settings):
    """The public page cache as in production, in the tests' local-memory cache."""
    settings.PUBLIC_PAGE_CACHE_SECONDS = 60
    assert settings.CACHES["default"]["BACKEND"].endswith("LocMemCache")
    return settings


def shortlisted(edition, organiser, **fields):
    owner = fields.pop("nominator", None) or UserFactory()
    entry = EntryFactory(edition=edition, nominator=owner, with_materials=True, **fields)
    entry_services.submit_entry(entry=entry, by=owner)
    entry_services.change_status(entry=entry, to=EntryStatus.ELIGIBLE, by=organiser)
    return entry_services.change_status(entry=entry, to=EntryStatus.SHORTLISTED, by=organiser)


@pytest.fixture
def selected(edition, organiser):
    """One cutting-edge entry, selected (confirmed), results not yet published."""
    entry = shortlisted(edition, organiser, title_en="Solid-state cell", title_zh_hans="固态电芯")
    selection_services.confirm_selection(edition=edition, category=entry.category, selected=[entry], by=organiser,
                                         note="Decided at the committee meeting.")
    entry.refresh_from_db()
    assert entry.status == EntryStatus.SELECTED
    return entry
