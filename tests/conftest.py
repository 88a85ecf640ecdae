import pytest
from django.core.cache import cache
from django.db import connection
from django.utils import translation

from submissions.models import Round
from submissions.roles import ORGANISER, setup_roles
from submissions.services import demo
from submissions.services import demo_review as review_demo
from tests.factories import EntryFactory, UserFactory
from tests.helpers import make_expert, score, set_round, shortlisted_entry


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` (row locks, concurrency and query plans of separate connections) are
    skipped on SQLite with one reason, the one .ci/check_skips.py accepts; CI runs them on PostgreSQL."""
    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="only meaningful on PostgreSQL (make test with DATABASE_URL)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


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
    organiser_group, _expert = setup_roles()
    user = UserFactory(email="organiser@example.org", is_staff=True)
    user.groups.add(organiser_group)
    assert organiser_group.name == ORGANISER
    return user


@pytest.fixture
def complete_entry(edition, nominator):
    return EntryFactory(edition=edition, nominator=nominator, with_materials=True)


# --- The expert review ------------------------------------------------------------------------------------
@pytest.fixture
def rounds(edition):
    """The demo criteria (4 per category, weight 25) and rounds: scoring open now, vote later."""
    review_demo.build_criteria(edition)
    review_demo.build_rounds(edition)
    return {r.kind: r for r in Round.objects.filter(edition=edition)}


@pytest.fixture
def expert1(db):
    return make_expert("expert.one@example.org")


@pytest.fixture
def expert2(db):
    return make_expert("expert.two@example.org", language="zh-hans")


@pytest.fixture
def final(edition, organiser, rounds):
    """Cutting-edge quota 2; three shortlisted entries with preliminary means 8, 6 and 6; vote open."""
    edition.cutting_edge_quota = 2
    edition.save()
    experts = [make_expert(f"v{i}@example.org") for i in range(3)]
    english = UserFactory(email="english.nominator@example.com", language="en")
    chinese = UserFactory(email="chinese.nominator@example.com", language="zh-hans")
    entries = [shortlisted_entry(edition, organiser, english, title_en="Alpha", title_zh_hans="甲技术"),
               shortlisted_entry(edition, organiser, chinese, title_en="Beta", title_zh_hans="乙技术"),
               shortlisted_entry(edition, organiser, title_en="Gamma", title_zh_hans="丙技术")]
    for entry, value in zip(entries, [8, 6, 6], strict=True):
        score(experts[0], entry, [value] * 4)
    set_round(rounds[Round.Kind.SCORING], open_now=False)
    vote = set_round(rounds[Round.Kind.VOTE], open_now=True)
    return {"experts": experts, "entries": entries, "vote": vote, "category": entries[0].category}
