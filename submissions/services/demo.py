"""Demo content for `manage.py seed_demo`: every builder is safe to run twice."""

import io
import random
import uuid
from datetime import timedelta

from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image

from .. import page_cache
from ..models import (
    Category,
    Edition,
    Entry,
    EntryStatus,
    Maturity,
    OrganisationType,
    Page,
    RecommenderType,
    ReferenceCounter,
    TechnicalField,
    User,
)
from ..roles import EXPERT, ORGANISER, setup_roles
from .attachments import add_attachment
from .entries import submit_entry

DEMO_PASSWORD = "wnevc-demo-2023"

# From ../shared/seeds (the public "Selection Introduction"), lightly corrected, with our Chinese version.
INTRODUCTION_EN = """Approved by the State Council of the People's Republic of China, with the support of the China Association for Science and Technology (CAST), the People's Government of Beijing Municipality, the People's Government of Hainan Province, the Ministry of Science and Technology, the Ministry of Industry and Information Technology, the Ministry of Ecology and Environment, the Ministry of Housing and Urban-Rural Development, the Ministry of Transport, the State Administration for Market Regulation and the National Energy Administration, the World New Energy Vehicle Congress (WNEVC) has been successfully held for four sessions. The Congress has played an important role in leading the development of the global automobile industry, accelerating industrial transformation, strengthening technological innovation and deepening cooperation, and has become an important vane for technological innovation and for industrial transformation and upgrading in the global automotive field. Developing new energy vehicles is the common choice of all countries to cope with climate change, improve the ecological environment, promote economic development and achieve the transformation, upgrading and sustainable development of the automobile industry.

The selection of "Global NEVs Cutting-edge & Innovative Technologies" is an important concurrent event of WNEVC. Its purpose is to capture the latest development of NEV technology accurately, to promote NEV technology collaboration and exchanges between China and the world, and to guide the acceleration of breakthroughs in core NEV technologies. In 2022, more than 125 cutting-edge and innovative technologies were collected. In the end, the Science and Technology Committee, composed of 31 world-renowned experts and scholars in the field of new energy vehicles, voted to select 8 innovative technologies and 8 cutting-edge technologies."""

INTRODUCTION_ZH = """经国务院批准，在中国科学技术协会、北京市人民政府、海南省人民政府、科学技术部、工业和信息化部、生态环境部、住房和城乡建设部、交通运输部、国家市场监督管理总局、国家能源局的支持下，世界新能源汽车大会（WNEVC）已成功举办四届。大会在引领全球汽车产业发展、加快全球产业变革、加强技术创新和深化交流合作等方面发挥了重要作用，已成为引领全球汽车领域技术创新和产业转型升级的重要风向标。发展新能源汽车是世界各国应对气候变化、改善生态环境、推动经济发展、实现汽车产业转型升级和可持续发展的共同选择。

“全球新能源汽车前沿及创新技术”评选是世界新能源汽车大会的重要同期活动，旨在准确把握全球新能源汽车技术的最新发展动态，促进中国与世界在新能源汽车技术领域的合作与交流，引导加快突破新能源汽车核心技术。2022年共征集前沿及创新技术125项以上，最终由31位新能源汽车领域世界知名专家学者组成的科学技术委员会投票评选出8项创新技术和8项前沿技术。"""

CATEGORIES = [
    (Category.CUTTING_EDGE, "CE", "前沿技术", "Cutting-edge technology",
     "具有前瞻性、先导性和探索性的重大技术，主要处于基础研究阶段，预计5至10年内实现产品应用。",
     "Forward-looking, pioneering and exploratory major technologies, mainly at the basic-research stage and "
     "expected to reach product application in 5 to 10 years."),
    (Category.INNOVATIVE, "IN", "创新技术", "Innovative technology",
     "已在新能源汽车领域实现应用的技术；以往入选的创新技术均已实现量产化应用。",
     "Technologies already applied in new energy vehicles; the innovative technologies selected so far had all "
     "reached mass-production application."),
]

FIELDS = [
    ("动力电池与储能", "Batteries and energy storage"),
    ("电驱动与电力电子", "Electric drive and power electronics"),
    ("燃料电池与氢能", "Fuel cells and hydrogen"),
    ("充换电与车网互动", "Charging, swapping and vehicle-grid integration"),
    ("智能网联", "Intelligent and connected vehicles"),
    ("底盘、轻量化与材料", "Chassis, lightweight design and materials"),
    ("热管理", "Thermal management"),
    ("芯片与软件", "Chips and software"),
    ("回收与制造", "Recycling and manufacturing"),
    ("其他", "Other"),
]

PAGES = [
    ("how-to-take-part", Page.Kind.PAGE, "如何参与", "How to take part",
     "1. 注册账号并确认电子邮箱。\n2. 在线填写推荐表（可随时保存草稿），中英文字段请分别填写。\n"
     "3. 上传技术报告（PDF）、技术图片及签字盖章的推荐函（自荐除外）。\n4. 在截止时间前提交，系统将发送带有推荐编号的确认邮件。\n"
     "5. 截止前可修改或撤回已提交的推荐材料。",
     "1. Create an account and confirm your e-mail address.\n2. Fill in the recommendation form online (save a "
     "draft at any time); give both the Chinese and the English version.\n3. Upload the technical report (PDF), "
     "images and the signed and stamped recommendation letter (not needed for self-nominations).\n4. Submit before "
     "the deadline; you receive a confirmation e-mail with your reference number.\n5. Until the deadline you can "
     "change or withdraw a submitted entry."),
    ("contact", Page.Kind.PAGE, "联系我们", "Contact",
     "世界新能源汽车大会评选秘书处\n电子邮箱：selection@example.com", "WNEVC Selection Secretariat\nE-mail: selection@example.com"),
    ("privacy", Page.Kind.PAGE, "隐私声明", "Privacy notice",
     "我们仅为组织评选处理您提供的个人信息（姓名、职务、联系方式），并依照《中华人民共和国个人信息保护法》予以保护。"
     "推荐材料仅向秘书处及评审专家开放。入选后，仅在您同意的范围内公开单位名称、技术名称、简介及图片。",
     "We process the personal data you give us (names, positions, contact details) only to run the selection, "
     "and protect it under China's Personal Information Protection Law and the GDPR where it applies. Entries are "
     "seen only by the secretariat and the reviewing experts. If a technology is selected, only the organisation, "
     "technology name, summary and images you agreed to are published."),
    ("who-can-apply", Page.Kind.FAQ, "谁可以推荐技术？", "Who can recommend a technology?",
     "国内外企业、高等院校、科研院所、行业组织及专家均可推荐，也可自荐。",
     "Companies, universities, research institutes, industry organisations and experts, in China and abroad, may "
     "recommend a technology; self-nominations are welcome too."),
    ("which-category", Page.Kind.FAQ, "前沿技术和创新技术有何区别？", "What is the difference between the two categories?",
     "前沿技术主要处于基础研究阶段，预计5至10年内实现产品应用；创新技术已在新能源汽车领域实现应用。",
     "Cutting-edge technologies are mainly at the basic-research stage and expected in products within 5 to 10 "
     "years; innovative technologies are already applied in new energy vehicles."),
    ("languages", Page.Kind.FAQ, "必须同时填写中文和英文吗？", "Must I fill in both Chinese and English?",
     "技术名称、技术简介和主要创新点须中英文均填写；其他字段至少填写一种语言，建议两种语言均填写。",
     "The technology name, summary and key innovations are required in both languages; the other texts in at "
     "least one, preferably both."),
    ("change-after-submit", Page.Kind.FAQ, "提交后还能修改吗？", "Can I change an entry after submitting it?",
     "截止时间前可以修改或撤回；截止后仅在秘书处退回修改时可以修改。",
     "Yes, until the deadline you can change or withdraw it; after the deadline only if the secretariat returns "
     "it to you for correction."),
]


def build_edition(now=None) -> Edition:
    now = now or timezone.now()
    year = now.year
    edition, _ = Edition.objects.update_or_create(year=year, defaults={
        "title_zh_hans": f"{year}全球新能源汽车前沿及创新技术评选",
        "title_en": f"{year} Global NEVs Cutting-edge & Innovative Technologies Selection",
        "introduction_zh_hans": INTRODUCTION_ZH, "introduction_en": INTRODUCTION_EN,
        "opens_at": now - timedelta(days=30), "closes_at": now + timedelta(days=60),
        "cutting_edge_quota": 8, "innovative_quota": 8,
    })
    page_cache.invalidate_on_commit()
    return edition


def build_reference_content():
    for order, (code, ref, zh, en, def_zh, def_en) in enumerate(CATEGORIES):
        Category.objects.update_or_create(code=code, defaults={
            "reference_code": ref, "name_zh_hans": zh, "name_en": en, "definition_zh_hans": def_zh,
            "definition_en": def_en, "order": order})
    for order, (zh, en) in enumerate(FIELDS):
        TechnicalField.objects.update_or_create(name_en=en, defaults={"name_zh_hans": zh, "order": order})
    for order, (slug, kind, title_zh, title_en, body_zh, body_en) in enumerate(PAGES):
        Page.objects.update_or_create(slug=slug, defaults={
            "kind": kind, "title_zh_hans": title_zh, "title_en": title_en, "body_zh_hans": body_zh,
            "body_en": body_en, "order": order})
    page_cache.invalidate_on_commit()


DEMO_USERS = [
    # e-mail, full name, language, staff, superuser, group
    ("admin@example.com", "系统管理员", "zh-hans", True, True, None),
    ("organiser@example.com", "王秘书", "zh-hans", True, False, ORGANISER),
    ("nominator@example.com", "李明", "zh-hans", False, False, None),
    ("expert1@example.com", "Prof. Anna Schmidt", "en", False, False, EXPERT),
    ("expert2@example.com", "陈教授", "zh-hans", False, False, EXPERT),
]


def build_users() -> dict[str, User]:
    setup_roles()
    users = {}
    for email, name, language, staff, superuser, group in DEMO_USERS:
        user, created = User.objects.get_or_create(email=email, defaults={
            "full_name": name, "language": language, "is_staff": staff, "is_superuser": superuser,
            "email_confirmed_at": timezone.now()})
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        if group:
            user.groups.add(Group.objects.get(name=group))
        users[email] = user
    return users


def demo_pdf(title: str = "Technical report") -> bytes:
    """A small valid one-page PDF."""
    text = title.encode("latin-1", "replace")
    stream = b"BT /F1 18 Tf 72 720 Td (" + text + b") Tj ET"
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def demo_png(color=(11, 94, 142), size=(640, 400)) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", size, color)
    for x in range(0, size[0], 40):  # a little structure so thumbnails are recognisable
        for y in range(0, size[1], 40):
            if (x + y) // 40 % 2:
                image.paste((127, 216, 168), (x, y, x + 20, y + 20))
    image.save(out, "PNG")
    return out.getvalue()


SAMPLE = {
    "title_zh_hans": "全固态锂金属电池", "title_en": "All-solid-state lithium-metal battery",
    "keywords_zh_hans": "固态电解质，锂金属负极，高能量密度", "keywords_en": "solid electrolyte, lithium-metal anode, energy density",
    "org_name_zh_hans": "示例新能源科技有限公司", "org_name_en": "Example New Energy Technology Co., Ltd.",
    "org_country": "CN", "org_type": OrganisationType.ENTERPRISE,
    "org_address_zh_hans": "北京市海淀区示例路1号", "org_address_en": "1 Example Road, Haidian District, Beijing",
    "contact_name": "李明", "contact_position": "研发总监", "contact_email": "nominator@example.com",
    "contact_mobile": "+86 138 0013 8000", "contact_language": "zh-hans",
    "summary_zh_hans": "采用硫化物固态电解质与超薄锂金属负极，电芯能量密度达到450 Wh/kg，并通过针刺和热箱安全测试。",
    "summary_en": "A sulfide solid electrolyte with an ultra-thin lithium-metal anode reaches 450 Wh/kg at cell "
                  "level and passes nail-penetration and hot-box safety tests.",
    "innovations_zh_hans": "1. 高离子电导率硫化物电解质；2. 界面稳定涂层；3. 干法电极工艺。",
    "innovations_en": "1. High-conductivity sulfide electrolyte; 2. stable interface coating; 3. dry electrode process.",
    "indicators_text_zh_hans": "能量密度、循环寿命和低温性能均优于现有液态锂离子电池。",
    "indicators_text_en": "Energy density, cycle life and low-temperature performance exceed today's liquid lithium-ion cells.",
    "maturity": Maturity.ENGINEERING_PROTOTYPE,
    "prospects_zh_hans": "预计5至8年内实现装车应用，可将整车续航提升40%以上。",
    "prospects_en": "Expected in vehicles within 5 to 8 years, extending range by more than 40%.",
    "recommended_by": RecommenderType.SELF,
    "decl_authentic": True, "decl_no_ip_dispute": True, "decl_no_classified": True, "consent_publication": True,
    "consent_personal_data": True, "signatory_name": "李明", "signatory_position": "研发总监",
}
DEMO_TOKENS = {"submitted": uuid.UUID("00000000-0000-4000-8000-000000000001"),
               "draft": uuid.UUID("00000000-0000-4000-8000-000000000002")}


def build_sample_entries(nominator: User, edition: Edition):
    """One submitted entry with files and one draft for the demo nominator."""
    cutting_edge = Category.objects.get(code=Category.CUTTING_EDGE)
    field = TechnicalField.objects.get(name_en=FIELDS[0][1])
    if not Entry.objects.filter(form_token=DEMO_TOKENS["submitted"]).exists():
        entry = Entry.objects.create(edition=edition, nominator=nominator, category=cutting_edge,
                                     technical_field=field, form_token=DEMO_TOKENS["submitted"],
                                     signed_on=timezone.localdate(), **SAMPLE)
        entry.indicators.create(name="能量密度 Energy density", unit="Wh/kg", this_value="450", best_value="300",
                                source="第三方检测报告 Test report")
        add_attachment(entry=entry, kind="report",
                                upload=SimpleUploadedFile("技术报告.pdf", demo_pdf("All-solid-state battery")))
        add_attachment(entry=entry, kind="image", upload=SimpleUploadedFile("cell.png", demo_png()),
                                caption_zh_hans="电芯样品", caption_en="Cell sample", may_publish=True)
        submit_entry(entry=entry, by=nominator)
    if not Entry.objects.filter(form_token=DEMO_TOKENS["draft"]).exists():
        Entry.objects.create(edition=edition, nominator=nominator, form_token=DEMO_TOKENS["draft"],
                             category=Category.objects.get(code=Category.INNOVATIVE),
                             title_zh_hans="800V碳化硅电驱系统", title_en="800 V silicon-carbide e-drive",
                             contact_name="李明", contact_email="nominator@example.com", contact_language="zh-hans")


# --- Generated entries for benchmarks -------------------------------------------------------------
TECHNOLOGIES = [
    ("钠离子电池", "Sodium-ion battery"), ("高镍单晶正极材料", "High-nickel single-crystal cathode"),
    ("硅碳负极", "Silicon-carbon anode"), ("碳化硅功率模块", "Silicon-carbide power module"),
    ("油冷扁线电机", "Oil-cooled hairpin motor"), ("质子交换膜燃料电池电堆", "PEM fuel-cell stack"),
    ("70MPa储氢瓶", "70 MPa hydrogen tank"), ("兆瓦级超充", "Megawatt charging"), ("车网双向互动", "Bidirectional V2G"),
    ("换电站快换系统", "Battery-swap station"), ("端到端自动驾驶", "End-to-end automated driving"),
    ("线控底盘", "Steer-by-wire chassis"), ("一体化压铸车身", "Giga-casting body"), ("热泵空调", "Heat-pump air conditioning"),
    ("车规级SoC芯片", "Automotive-grade SoC"), ("电池包无损回收", "Non-destructive pack recycling"),
    ("CTC电池车身一体化", "Cell-to-chassis integration"), ("固态电解质薄膜", "Solid-electrolyte film"),
    ("车载激光雷达", "Automotive lidar"), ("轮毂电机", "In-wheel motor"),
]
ORGANISATIONS = [
    ("清华大学", "Tsinghua University", "CN", OrganisationType.UNIVERSITY),
    ("中国汽车技术研究中心", "China Automotive Technology and Research Center", "CN", OrganisationType.INSTITUTE),
    ("示例动力电池有限公司", "Example Battery Co., Ltd.", "CN", OrganisationType.ENTERPRISE),
    ("弗劳恩霍夫研究所", "Fraunhofer Institute", "DE", OrganisationType.INSTITUTE),
    ("丰田汽车公司", "Toyota Motor Corporation", "JP", OrganisationType.ENTERPRISE),
    ("密歇根大学", "University of Michigan", "US", OrganisationType.UNIVERSITY),
    ("现代汽车集团", "Hyundai Motor Group", "KR", OrganisationType.ENTERPRISE),
    ("沃尔沃汽车", "Volvo Cars", "SE", OrganisationType.ENTERPRISE),
]
STATUS_MIX = [EntryStatus.SUBMITTED] * 14 + [EntryStatus.DRAFT] * 2 + [EntryStatus.ELIGIBLE] * 2 + \
    [EntryStatus.RETURNED, EntryStatus.WITHDRAWN]


def build_generated_entries(count: int, edition: Edition, seed: int = 2023) -> int:
    """Add `count` entries with realistic bilingual content, in batches (fast enough for 10,000)."""
    rng = random.Random(seed + Entry.objects.count())
    categories = list(Category.objects.all())
    fields = list(TechnicalField.objects.all())
    start = User.objects.filter(email__startswith="generated-").count()
    users = [User(email=f"generated-{start + i}@example.org", full_name=f"Nominator {start + i}",
                  email_confirmed_at=timezone.now()) for i in range(max(1, count // 5))]
    for user in users:
        user.set_unusable_password()
    User.objects.bulk_create(users, batch_size=1000)
    users = list(User.objects.filter(email__in=[u.email for u in users]))
    now = timezone.now()
    with transaction.atomic():
        counters = {}
        for category in categories:
            ReferenceCounter.objects.bulk_create([ReferenceCounter(edition=edition, category=category)],
                                                 ignore_conflicts=True)
            counters[category.pk] = ReferenceCounter.objects.select_for_update().get(edition=edition, category=category)
        batch = []
        for i in range(count):
            tech_zh, tech_en = rng.choice(TECHNOLOGIES)
            org_zh, org_en, country, org_type = rng.choice(ORGANISATIONS)
            category = rng.choice(categories)
            status = rng.choice(STATUS_MIX)
            variant = rng.randint(2, 9)
            entry = Entry(
                edition=edition, nominator=rng.choice(users), category=category, technical_field=rng.choice(fields),
                status=status, title_zh_hans=f"第{variant}代{tech_zh}", title_en=f"{tech_en}, generation {variant}",
                org_name_zh_hans=org_zh, org_name_en=org_en, org_country=country, org_type=org_type,
                contact_name="张伟", contact_position="项目经理", contact_email=f"contact{i}@example.org",
                contact_mobile="+86 138 0013 8000", contact_language=rng.choice(["zh-hans", "en"]),
                summary_zh_hans=f"{org_zh}研发的{tech_zh}技术，在效率、成本和安全性方面取得突破。",
                summary_en=f"The {tech_en.lower()} developed by {org_en} improves efficiency, cost and safety.",
                innovations_zh_hans="1. 新材料体系；2. 新工艺；3. 系统集成优化。",
                innovations_en="1. New material system; 2. new process; 3. optimised system integration.",
                maturity=rng.choice(Maturity.values), recommended_by=RecommenderType.SELF,
            )
            if status != EntryStatus.DRAFT:
                counter = counters[category.pk]
                counter.last_number += 1
                entry.reference = f"WNEVC{edition.year}-{category.reference_code}-{counter.last_number:04d}"
                entry.submitted_at = now - timedelta(days=rng.randint(0, 29), minutes=rng.randint(0, 1440))
            batch.append(entry)
        Entry.objects.bulk_create(batch, batch_size=500)
        for counter in counters.values():
            counter.save(update_fields=["last_number"])
    return count
