"""Demo content of the expert review for `manage.py seed_demo`: safe to run twice."""

from datetime import timedelta

from django.utils import timezone

from ..models import Category, Criterion, Edition, Entry, Round
from .demo import DEMO_TOKENS
from .review import assign_entries

# FORM.md §A: the published criteria, four per category, equal weights.
CRITERIA = {
    Category.CUTTING_EDGE: [
        ("前瞻性", "Forward-looking",
         "技术理念和方向领先，代表未来发展趋势。",
         "Ahead of its time in concept and direction; shows where the field is going."),
        ("引领性", "Leading",
         "在基础研究和前沿研究中发挥引领作用。", "Plays a leading role in basic and cutting-edge research."),
        ("颠覆性", "Disruptive",
         "有望改变现有技术路线或产业格局。",
         "Could change the established technical route or the structure of the industry."),
        ("发展前景", "Development prospects",
         "应用与推广前景，以及潜在的经济和社会效益。",
         "Prospects of application and extension, and the potential economic and social benefits."),
    ],
    Category.INNOVATIVE: [
        ("创新性", "Innovation",
         "新技术，或对现有技术的重大改进并取得突破。",
         "A new technology, or a major improvement of an existing one with a breakthrough."),
        ("先进性", "Advancedness",
         "与国内外同领域技术相比处于先进水平。",
         "Advanced compared with the state of the art in the same field, in China and abroad."),
        ("重要性", "Importance",
         "突破新能源汽车核心领域的瓶颈。", "Breaks bottlenecks in core areas of new energy vehicles."),
        ("潜力", "Potential",
         "适用范围广，具备推广可行性。", "Widely applicable and feasible to promote."),
    ],
}


def build_criteria(edition: Edition):
    for code, rows in CRITERIA.items():
        category = Category.objects.get(code=code)
        for order, (name_zh, name_en, description_zh, description_en) in enumerate(rows):
            Criterion.objects.update_or_create(edition=edition, category=category, name_en=name_en, defaults={
                "name_zh_hans": name_zh, "description_zh_hans": description_zh, "description_en": description_en,
                "weight": 25, "order": order})


def build_rounds(edition: Edition, now=None):
    """A scoring round open now and a vote round after it."""
    now = now or timezone.now()
    Round.objects.get_or_create(edition=edition, kind=Round.Kind.SCORING, defaults={
        "opens_at": now - timedelta(days=1), "closes_at": now + timedelta(days=30)})
    Round.objects.get_or_create(edition=edition, kind=Round.Kind.VOTE, defaults={
        "opens_at": now + timedelta(days=45), "closes_at": now + timedelta(days=60)})


def build_review_demo(edition: Edition, users: dict):
    """Criteria for both categories in both languages, the two rounds, and the demo nominator's
    submitted entry assigned to expert1 and expert2."""
    build_criteria(edition)
    build_rounds(edition)
    experts = [users[email] for email in ("expert1@example.com", "expert2@example.com") if email in users]
    submitted = Entry.objects.filter(edition=edition, form_token=DEMO_TOKENS["submitted"], reference__isnull=False)
    if experts and submitted.exists():
        assign_entries(entries=submitted, per_entry=len(experts), experts=experts)
