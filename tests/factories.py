"""factory-boy factories for every model the tests build rows of. Rows that need a related row
the caller did not give get one (an edition and its reference content come from the `edition`
fixture, which builds the demo edition; factories without it create their own)."""

from datetime import timedelta

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from submissions.models import (
    Assignment,
    Ballot,
    Category,
    Conflict,
    Criterion,
    Edition,
    Entry,
    OutgoingMail,
    Review,
    Round,
    Score,
    TechnicalField,
    User,
    Vote,
)
from submissions.roles import setup_roles
from submissions.services import attachments as attachment_services
from submissions.services import demo


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["email"]
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    full_name = factory.Sequence(lambda n: f"测试用户{n}")
    language = "zh-hans"
    email_confirmed_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or "secret-Passw0rd!")
        if create:
            self.save(update_fields=["password"])


class ExpertFactory(UserFactory):
    """A user in the expert group (the groups are created when missing)."""

    language = "en"

    @factory.post_generation
    def expert_group(self, create, extracted, **kwargs):
        if create:
            _organiser, expert = setup_roles()
            self.groups.add(expert)


class EditionFactory(factory.django.DjangoModelFactory):
    """An edition whose collection is open now (30 days either side)."""

    class Meta:
        model = Edition
        django_get_or_create = ["year"]

    year = factory.Sequence(lambda n: 2040 + n)
    title_zh_hans = factory.LazyAttribute(lambda o: f"{o.year}年度评选")
    title_en = factory.LazyAttribute(lambda o: f"Selection {o.year}")
    opens_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=30))
    closes_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=30))


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ["code"]

    code = Category.CUTTING_EDGE
    reference_code = factory.LazyAttribute(lambda o: "CE" if o.code == Category.CUTTING_EDGE else "IN")
    name_zh_hans = factory.LazyAttribute(lambda o: "前沿技术" if o.code == Category.CUTTING_EDGE else "创新技术")
    name_en = factory.LazyAttribute(lambda o: "Cutting-edge" if o.code == Category.CUTTING_EDGE else "Innovative")


class TechnicalFieldFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TechnicalField

    name_zh_hans = factory.Sequence(lambda n: f"技术领域{n}")
    name_en = factory.Sequence(lambda n: f"Technical field {n}")
    order = factory.Sequence(lambda n: n)


def pdf_upload(name="report.pdf", title="Report"):
    return SimpleUploadedFile(name, demo.demo_pdf(title), content_type="application/pdf")


def png_upload(name="image.png", **kwargs):
    return SimpleUploadedFile(name, demo.demo_png(**kwargs), content_type="image/png")


class EntryFactory(factory.django.DjangoModelFactory):
    """An entry with every text field of the form filled in; `with_materials=True` adds the
    required files so that it can be submitted."""

    class Meta:
        model = Entry
        skip_postgeneration_save = True

    edition = None
    nominator = factory.SubFactory(UserFactory)
    category = factory.LazyFunction(lambda: Category.objects.get(code=Category.CUTTING_EDGE))
    technical_field = factory.LazyFunction(lambda: TechnicalField.objects.first())
    title_zh_hans = "全固态锂金属电池"
    title_en = "All-solid-state lithium-metal battery"
    org_name_zh_hans = "示例科技有限公司"
    org_name_en = "Example Technology Ltd."
    org_country = "CN"
    org_type = "enterprise"
    org_address_zh_hans = "北京市海淀区示例路1号"
    contact_name = "李明"
    contact_position = "研发总监"
    contact_email = "contact@example.com"
    contact_mobile = "+86 138 0013 8000"
    contact_language = "zh-hans"
    summary_zh_hans = "硫化物固态电解质电池。"
    summary_en = "A sulfide solid-electrolyte battery."
    innovations_zh_hans = "1. 电解质；2. 界面；3. 工艺。"
    innovations_en = "1. Electrolyte; 2. interface; 3. process."
    indicators_text_zh_hans = "能量密度450 Wh/kg。"
    prospects_en = "In vehicles within 5 to 8 years."
    maturity = "engineering_prototype"
    recommended_by = "self"
    decl_authentic = True
    decl_no_ip_dispute = True
    decl_no_classified = True
    consent_publication = True
    consent_personal_data = True
    signatory_name = "李明"
    signatory_position = "研发总监"

    @factory.post_generation
    def with_materials(self, create, extracted, **kwargs):
        if create and extracted:
            attachment_services.add_attachment(entry=self, kind="report", upload=pdf_upload())
            attachment_services.add_attachment(entry=self, kind="image", upload=png_upload())


class CriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Criterion

    edition = factory.SubFactory(EditionFactory)
    category = factory.SubFactory(CategoryFactory)
    name_zh_hans = factory.Sequence(lambda n: f"标准{n}")
    name_en = factory.Sequence(lambda n: f"Criterion {n}")
    weight = 25
    order = factory.Sequence(lambda n: n)


class RoundFactory(factory.django.DjangoModelFactory):
    """A scoring round open now; `RoundFactory(vote=True)` for the committee vote,
    `closed=True` for a round that ended yesterday. An edition has one round of each kind: an
    existing one is returned as it is."""

    class Meta:
        model = Round
        django_get_or_create = ["edition", "kind"]

    class Params:
        vote = factory.Trait(kind=Round.Kind.VOTE)
        closed = factory.Trait(opens_at=factory.LazyFunction(lambda: timezone.now() - timedelta(days=3)),
                               closes_at=factory.LazyFunction(lambda: timezone.now() - timedelta(days=1)))

    edition = factory.SubFactory(EditionFactory)
    kind = Round.Kind.SCORING
    opens_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    closes_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=1))


class AssignmentFactory(factory.django.DjangoModelFactory):
    """Give `entry` (an entry needs an edition); the expert is a new one unless given."""

    class Meta:
        model = Assignment

    expert = factory.SubFactory(ExpertFactory)
    entry = None


class ConflictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Conflict

    expert = factory.SubFactory(ExpertFactory)
    entry = None
    reason = "Former employer"


class ReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Review

    assignment = factory.SubFactory(AssignmentFactory)
    comment = "Solid work."
    abstained = False


class ScoreFactory(factory.django.DjangoModelFactory):
    """A score of the review's entry on a criterion of the entry's edition and category."""

    class Meta:
        model = Score

    review = factory.SubFactory(ReviewFactory)
    criterion = factory.SubFactory(CriterionFactory,
                                   edition=factory.SelfAttribute("..review.assignment.entry.edition"),
                                   category=factory.SelfAttribute("..review.assignment.entry.category"))
    value = 5


class BallotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ballot

    round = factory.SubFactory(RoundFactory, vote=True)
    expert = factory.SubFactory(ExpertFactory)
    category = factory.SubFactory(CategoryFactory)


class VoteFactory(factory.django.DjangoModelFactory):
    """One approval; give `entry`. The round is a new vote round of the entry's edition unless given."""

    class Meta:
        model = Vote

    entry = None
    round = factory.SubFactory(RoundFactory, vote=True, edition=factory.SelfAttribute("..entry.edition"))
    expert = factory.SubFactory(ExpertFactory)


class OutgoingMailFactory(factory.django.DjangoModelFactory):
    """A queued message, not sent yet."""

    class Meta:
        model = OutgoingMail

    to = factory.Sequence(lambda n: f"recipient{n}@example.com")
    subject = "Entry received"
    body = "…"
