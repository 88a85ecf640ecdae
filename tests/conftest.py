import pytest
from django.core.cache import cache
from django.utils import translation

from submissions.services import demo

from tests.factories import EntryFactory, UserFactory


@pytest.fixture(autouse=True)
def _media_and_language(settings, tmp_path):
    """Uploads go to a fresh folder per test; each test starts in the default language."""
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()  # rate-limit counters
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture
def edition(db):
    demo.build_reference_content()
    return demo.build_edition()


@pytest.fixture
def nominator(db):
    return UserFactory(email="nominator.a@example.com", language="zh-hans")


@pytest.fixture
def other_nominator(db):
    return UserFactory(email="nominator.b@example.com", language="en")


@pytest.fixture
def nominator_client(client, nominator):
    client.force_login(nominator)
    return client


@pytest.fixture
def organiser(db):
    from submissions.roles import ORGANISER, setup_roles

    organiser_group, _expert = setup_roles()
    user = UserFactory(email="organiser@example.org", is_staff=True)
    user.groups.add(organiser_group)
    assert organiser_group.name == ORGANISER
    return user


@pytest.fixture
def complete_entry(edition, nominator):
    return EntryFactory(edition=edition, nominator=nominator, with_materials=True)
