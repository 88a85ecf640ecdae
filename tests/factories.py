import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from submissions.models import Category, Entry, TechnicalField, User
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
