#!/usr/bin/env python
"""`make load`: 200 nominators submit complete entries with files at the same moment.

Recreates a PostgreSQL database on 127.0.0.1 (LOAD_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/wnevc_load), migrates, seeds the reference content and the open
edition (`seed_demo`, no generated entries) and creates the nominator accounts with confirmed
e-mail addresses in a Django shell. It then starts gunicorn with production settings (DEBUG off,
random SECRET_KEY, collected static files, WhiteNoise, its own MEDIA_ROOT, port 8775) and lets
every nominator, each on its own keep-alive connection in a thread of this process, walk the
journey a browser walks: login page, password login through the form, list of entries, new-entry
form, the complete form with one row in every row table, the files (a small PDF report and a PNG
image, different bytes per nominator; a recommendation letter when an organisation recommends),
submission and the confirmation page. Every request is timed. A global deadline bounds the run.
gunicorn runs 2 gthread workers × 4 threads with at most 8 connections per worker (see
parse_args() for why not gunicorn's default of 1000); --workers, --threads and
--worker-connections change that.

Afterwards a Django shell on the same database checks that every nominator has exactly one
submitted entry, that the reference numbers are distinct and are the ones the pages showed, that
every file is in MEDIA_ROOT with the SHA-256 this script sent, and that the confirmation mails were
queued and sent. No 5xx and no failed journey are allowed. Prints one table, writes
bench/load-results.json and exits 1 when a check fails.

Limiter settings: the load server gets AXES_FAILURE_LIMIT and RATE_LIMIT_* far above anything the
run can reach, because all clients share 127.0.0.1 and the run should measure the portal, not the
per-address limits (only failed logins count for django-axes, but one typo in this script would
otherwise lock out accounts and hide the real figures). django-axes still runs on every login.
Mail goes to Django's locmem backend: the OutgoingMail rows are written and marked sent, no SMTP.
"""

import argparse
import hashlib
import html
import http.client
import importlib.util
import io
import json
import os
import random
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter, defaultdict
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
HOST = "127.0.0.1"
PORT = 8775  # not bench/run.py's 8765: both may run on the same machine

# Reuse the benchmark's helpers (database, manage.py, Django shell, percentiles) without copying them.
_spec = importlib.util.spec_from_file_location("bench_run", ROOT / "bench" / "run.py")
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)

STEPS = ["login_page", "login", "entry_list", "form_page", "form_save", "attachments_page", "upload_report",
         "upload_image", "upload_letter", "submit", "confirmation"]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("LOAD_DATABASE_URL",
                                                                 "postgres://postgres@127.0.0.1:5432/wnevc_load"))
    parser.add_argument("--nominators", type=int, default=200)
    parser.add_argument("--deadline", type=float, default=300, help="seconds for the whole load phase")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4, help="gthread threads per worker")
    parser.add_argument("--worker-connections", type=int,
                        help="connections a worker holds at once (default: 2 × --threads; gunicorn's own is 1000)")
    parser.add_argument("--output", default=str(ROOT / "bench" / "load-results.json"))
    args = parser.parse_args()
    # A gthread worker accepts connections while all its threads are busy, and a keep-alive
    # connection stays with the worker that accepted it: with gunicorn's default of 1000, one
    # worker took all 200 clients while the other idled. With a small limit a busy worker stops
    # accepting and closes connections beyond `limit - threads` idle ones ("Connection: close"),
    # so the client's next request goes to whichever worker has room.
    args.worker_connections = args.worker_connections or 2 * args.threads
    return args


def make_env(database_url, tmp):
    env = {**os.environ, "DEBUG": "0", "HTTPS": "0", "SECRET_KEY": "load-" + secrets.token_urlsafe(40),
           "ALLOWED_HOSTS": f"{HOST},localhost", "DATABASE_URL": database_url, "DEMO_DATA_ALLOWED": "1",
           "STATIC_ROOT": str(tmp / "static"), "MEDIA_ROOT": str(tmp / "media"),
           "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
           "ORGANISER_EMAILS": "selection-load@example.org", "ORGANISER_NOTIFICATIONS": "event",
           "SITE_URL": f"http://{HOST}:{PORT}", "CONN_MAX_AGE": "60", "LOG_LEVEL": "WARNING",
           # All clients come from 127.0.0.1: keep the per-address limits out of the measurement.
           "AXES_FAILURE_LIMIT": "1000000", "RATE_LIMIT_SIGNUP": "1000000",
           "RATE_LIMIT_PASSWORD_RESET": "1000000", "RATE_LIMIT_CONFIRMATION": "1000000"}
    # A developer's shell must not send this run to Redis, S3 or an nginx hand-over.
    for name in ("REDIS_URL", "S3_BUCKET", "X_ACCEL_REDIRECT", "BEHIND_PROXY", "BENCH_CEILING"):
        env.pop(name, None)
    return env


SETUP = r"""
import json, os
from django.contrib.auth.hashers import make_password
from django.utils import timezone
from submissions.models import Category, Edition, TechnicalField, User

count = int(os.environ["LOAD_NOMINATORS"])
# One PBKDF2 hash for every account: hashing 200 passwords here would cost minutes of CPU. The
# logins still check it with the portal's own hasher, at full cost.
password = make_password(os.environ["LOAD_PASSWORD"])
now = timezone.now()
users = [User(email=f"load-{i:03d}@example.org", full_name=f"负载测试 {i:03d}", organisation="Load test",
              language="en" if i % 2 else "zh-hans", email_confirmed_at=now, password=password)
         for i in range(count)]
User.objects.bulk_create(users)
edition = Edition.objects.current()
print(json.dumps({
    "edition": {"year": edition.year, "open": edition.is_open()},
    "categories": {c.code: c.pk for c in Category.objects.all()},
    "fields": list(TechnicalField.objects.filter(active=True).values_list("pk", flat=True)),
    "nominators": User.objects.filter(email__startswith="load-").count(),
}))
"""

VERIFY = r"""
import hashlib, json, os
from collections import Counter
from pathlib import Path
from django.conf import settings
from django.db.models import Count
from submissions.models import Attachment, Entry, OutgoingMail

manifest = json.loads(Path(os.environ["LOAD_MANIFEST"]).read_text())
emails = sorted(manifest)
entries = list(Entry.objects.filter(nominator__email__in=emails).select_related("nominator"))
per_nominator = Counter(e.nominator.email for e in entries)
submitted = [e for e in entries if e.status == "submitted"]
references = [e.reference for e in submitted if e.reference]
shown = {e.nominator.email: e.reference == manifest[e.nominator.email]["reference"] for e in submitted}
media = Path(settings.MEDIA_ROOT)
stored = {}
files_ok, files_bad = 0, []
for att in Attachment.objects.filter(entry__nominator__email__in=emails).select_related("entry__nominator"):
    key = f"{att.entry.nominator.email} {att.kind}"
    path = media / att.file.name
    digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None
    stored.setdefault(key, []).append({"db": att.sha256, "disk": digest, "size": att.size,
                                       "thumbnail": bool(att.thumbnail) and (media / att.thumbnail.name).is_file()})
for email, sent in manifest.items():
    for kind, sha in sent["files"].items():
        rows = stored.pop(f"{email} {kind}", [])
        if len(rows) == 1 and rows[0]["db"] == sha and rows[0]["disk"] == sha and (kind != "image" or rows[0]["thumbnail"]):
            files_ok += 1
        else:
            files_bad.append({"nominator": email, "kind": kind, "sent": sha, "stored": rows})
mails = OutgoingMail.objects.filter(to__in=emails)
print(json.dumps({
    "entries": len(entries), "nominators_with_entries": len(per_nominator),
    "nominators_with_several": sorted(e for e, n in per_nominator.items() if n > 1),
    "submitted": len(submitted), "references": len(references), "distinct_references": len(set(references)),
    "references_as_shown": sum(shown.values()),
    "files_sent": sum(len(s["files"]) for s in manifest.values()), "files_ok": files_ok,
    "files_bad": files_bad[:10], "files_unexpected": sorted(stored)[:10],
    "mails": mails.count(), "mails_unsent": mails.filter(sent_at__isnull=True).count(),
    "mail_recipients": mails.values("to").distinct().count(),
    "organiser_mails": OutgoingMail.objects.filter(to="selection-load@example.org").count(),
}))
"""


# --- Files, different bytes for every nominator -------------------------------------------------
def make_pdf(title: str) -> bytes:
    """A small valid one-page PDF (as submissions.demo.demo_pdf, which needs Django loaded)."""
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


def make_png(seed: int) -> bytes:
    rng = random.Random(seed)
    image = Image.new("RGB", (320, 200), (rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    for x in range(0, 320, 20):  # some structure, and random blocks so that no two images are alike
        for y in range(0, 200, 20):
            if rng.random() < 0.4:
                image.paste((rng.randrange(256), rng.randrange(256), rng.randrange(256)), (x, y, x + 20, y + 20))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def multipart(fields: list[tuple[str, str]], file_field: str, filename: str, content: bytes) -> tuple[bytes, str]:
    boundary = "----load" + secrets.token_hex(12)
    parts = [f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n".encode()
             for name, value in fields]
    parts.append(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{file_field}\"; filename=\"{filename}\"\r\n"
                 f"Content-Type: application/octet-stream\r\n\r\n".encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


# --- What a nominator types -----------------------------------------------------------------------
def entry_fields(i: int, email: str, language: str, setup: dict) -> dict[str, str]:
    """Every field of the form filled validly; innovative entries (odd i) also need the application
    text, and every fourth entry is recommended by an organisation (recommender, statement, letter)."""
    n = f"{i:03d}"
    innovative = i % 2 == 1
    by_organisation = i % 4 == 0
    fields = {
        "category": setup["categories"]["innovative" if innovative else "cutting_edge"],
        "technical_field": setup["fields"][i % len(setup["fields"])],
        "title_zh_hans": f"负载测试第{n}号全固态电池", "title_en": f"Load test {n}: all-solid-state battery",
        "keywords_zh_hans": "固态电解质，锂金属负极，高能量密度",
        "keywords_en": "solid electrolyte, lithium-metal anode, energy density",
        "org_name_zh_hans": f"负载测试新能源科技有限公司{n}", "org_name_en": f"Load Test New Energy Co., Ltd. {n}",
        "org_country": "CN", "org_type": "enterprise", "org_registration_number": f"91110108MA01{i:06d}",
        "org_address_zh_hans": "北京市海淀区示例路1号", "org_address_en": "1 Example Road, Haidian District, Beijing",
        "org_postal_code": "100080", "org_website": f"https://load-{n}.example.org/",
        "contact_name": f"测试联系人{n}", "contact_position": "研发总监", "contact_email": email,
        "contact_mobile": f"+86 138 {i:04d} 8000", "contact_phone": "+86 10 6253 0000",
        "contact_language": language,
        "summary_zh_hans": f"第{n}号样品：采用硫化物固态电解质与超薄锂金属负极，电芯能量密度达到450 Wh/kg。",
        "summary_en": f"Sample {n}: a sulfide solid electrolyte with an ultra-thin lithium-metal anode reaches "
                      "450 Wh/kg at cell level and passes nail-penetration tests.",
        "innovations_zh_hans": "1. 高离子电导率硫化物电解质；2. 界面稳定涂层；3. 干法电极工艺。",
        "innovations_en": "1. High-conductivity sulfide electrolyte; 2. stable interface coating; 3. dry electrodes.",
        "indicators_text_zh_hans": "能量密度、循环寿命和低温性能均优于现有液态锂离子电池。",
        "indicators_text_en": "Energy density, cycle life and low-temperature performance exceed liquid cells.",
        "maturity": "pilot" if innovative else "engineering_prototype",
        "rd_start": "2019-03-01", "rd_end": "2024-06-30",
        "application_zh_hans": "已在两款车型上小批量装车验证，累计装车300台。",
        "application_en": "Fitted to 300 vehicles of two models in a pilot series since 2024.",
        "prospects_zh_hans": "预计5至8年内规模化应用，可将整车续航提升40%以上。",
        "prospects_en": "Expected at scale within 5 to 8 years, extending range by more than 40%.",
        "evaluation_zh_hans": "经国家级检测机构测试，符合相关安全标准。",
        "evaluation_en": "Tested by a national laboratory against the applicable safety standards.",
        "patents_granted": "12", "patents_pending": "5", "ip_other": "3", "contributors_publish_consent": "on",
        "recommended_by": "organisation" if by_organisation else "self",
        "decl_authentic": "on", "decl_no_ip_dispute": "on", "decl_no_classified": "on",
        "consent_publication": "on", "consent_personal_data": "on",
        "signatory_name": f"测试联系人{n}", "signatory_position": "研发总监",
        # One row in each row table (the form renders one empty row per table).
        "co_applicants-0-name_zh_hans": "示例大学", "co_applicants-0-name_en": "Example University",
        "co_applicants-0-country": "DE", "co_applicants-0-role": "Electrolyte research",
        "indicators-0-name": "能量密度 Energy density", "indicators-0-unit": "Wh/kg",
        "indicators-0-this_value": str(400 + i), "indicators-0-best_value": "300",
        "indicators-0-source": "Test report",
        "ip_items-0-title": f"一种固态电解质及其制备方法 {n}", "ip_items-0-kind": "invention",
        "ip_items-0-country": "CN", "ip_items-0-number": f"ZL2021{i:07d}.X", "ip_items-0-status": "granted",
        "ip_items-0-holder": f"负载测试新能源科技有限公司{n}",
        "awards-0-name": "中国汽车工业科学技术奖", "awards-0-year": "2023", "awards-0-level": "一等奖",
        "awards-0-body": "中国汽车工业协会",
        "contributors-0-full_name": f"测试联系人{n}", "contributors-0-organisation": "负载测试新能源科技有限公司",
        "contributors-0-title": "研发总监", "contributors-0-contribution": "Project lead",
        "action": "attachments",  # "Save and upload files"
    }
    if by_organisation:
        fields.update({"recommender_name": "中国汽车工程学会", "recommender_organisation": "中国汽车工程学会",
                       "recommender_title": "秘书长", "recommender_email": f"recommender-{n}@example.org",
                       "recommender_phone": "+86 10 5000 0000",
                       "statement_zh_hans": "该技术创新性突出，推荐参加评选。",
                       "statement_en": "An outstanding innovation; we recommend it for the selection."})
    return {name: str(value) for name, value in fields.items()}


def nominator_files(i: int) -> dict[str, tuple[str, bytes]]:
    token = secrets.token_hex(8)
    files = {"report": (f"report-{i:03d}.pdf", make_pdf(f"Technical report {i:03d} {token}")),
             "image": (f"image-{i:03d}.png", make_png(i * 7919 + int(token[:6], 16)))}
    if i % 4 == 0:
        files["letter"] = (f"letter-{i:03d}.pdf", make_pdf(f"Recommendation letter {i:03d} {token}"))
    return files


# --- HTML ---------------------------------------------------------------------------------------
TAG_ATTRS = re.compile(r'([\w-]+)="([^"]*)"')


def hidden_inputs(page: str, marker: str) -> list[tuple[str, str]]:
    """The hidden inputs of the first form containing `marker`, as a browser sends them (rows
    inside <template> are the JavaScript row templates and are never sent)."""
    for match in re.finditer(r"<form\b[^>]*>.*?</form>", page, re.S):
        if marker in match.group(0):
            body = re.sub(r"<template.*?</template>", "", match.group(0), flags=re.S)
            break
    else:
        return []
    result = []
    for tag in re.findall(r"<input\b[^>]*>", body):
        attrs = dict(TAG_ATTRS.findall(tag))
        if attrs.get("type") == "hidden" and "name" in attrs:
            result.append((attrs["name"], html.unescape(attrs.get("value", ""))))
    return result


def csrf_token(page: str):
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    return match.group(1) if match else None


def page_errors(page: str) -> str:
    """The messages a nominator would read on a refused page, for the failure report."""
    found = re.findall(r'class="(?:error-link|alert-link)"[^>]*>(.*?)</a>', page, re.S)
    found += re.findall(r'class="alert alert-(?:danger|warning)[^"]*"[^>]*>(.*?)</div>', page, re.S)
    text = " | ".join(re.sub(r"<[^>]+>", " ", html.unescape(f)).strip() for f in found)
    return " ".join(text.split())[:500]


# --- One nominator ------------------------------------------------------------------------------
class JourneyFailed(Exception):
    pass


class StartClock:
    """Releases every client at the same instant and fixes the shared deadline at that instant
    (the barrier's action runs once, before any thread is released)."""

    def __init__(self, parties, seconds):
        self.started_at = self.deadline_at = None
        self.barrier = threading.Barrier(parties, action=lambda: self._start(seconds))

    def _start(self, seconds):
        self.started_at = time.perf_counter()
        self.deadline_at = self.started_at + seconds


class Browser:
    """One keep-alive connection and a cookie jar; records (step, status, seconds) per request."""

    def __init__(self, clock):
        self.clock = clock
        self.cookies = {}
        self.conn = None
        self.records = []
        self.connections = 0  # TCP connections opened: more than one when the server closed keep-alive
        self.referer = f"http://{HOST}:{PORT}/"

    def request(self, step, method, path, body=None, content_type=None, expect=200):
        remaining = self.clock.deadline_at - time.perf_counter()
        if remaining <= 0:
            raise JourneyFailed(f"{step}: deadline reached")
        if self.conn is None:
            self.conn = http.client.HTTPConnection(HOST, PORT, timeout=remaining)
        self.conn.timeout = remaining
        if self.conn.sock is None:  # new, or closed by the server after "Connection: close"
            self.connections += 1
        else:
            self.conn.sock.settimeout(remaining)
        headers = {"Accept": "text/html", "Referer": self.referer, "User-Agent": "wnevc-load"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if method == "POST":
            headers["Origin"] = f"http://{HOST}:{PORT}"
            headers["Content-Type"] = content_type
        start = time.perf_counter()
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            content = response.read()
        except (OSError, http.client.HTTPException) as error:
            self.records.append((step, None, time.perf_counter() - start))
            self.conn.close()
            self.conn = None
            if time.perf_counter() >= self.clock.deadline_at:
                raise JourneyFailed(f"{step}: deadline reached while waiting for the response") from error
            raise JourneyFailed(f"{step}: {type(error).__name__}: {error}") from error
        self.records.append((step, response.status, time.perf_counter() - start))
        for header in response.msg.get_all("Set-Cookie") or []:
            pair, _sep, attributes = header.partition(";")
            name, _eq, value = pair.strip().partition("=")
            if "max-age=0" in attributes.lower().replace(" ", "") or not value or value == '""':
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        page = content.decode("utf-8", "replace")
        if response.status != expect:
            raise JourneyFailed(f"{step}: status {response.status} {response.getheader('Location', '')} "
                                f"{page_errors(page)}".strip())
        if response.status == 200:
            self.referer = f"http://{HOST}:{PORT}{path}"
        return page, response.getheader("Location", "")

    def get(self, step, path):
        return self.request(step, "GET", path)[0]

    def post_form(self, step, path, fields, expect=302):
        body = urllib.parse.urlencode(fields).encode()
        return self.request(step, "POST", path, body, "application/x-www-form-urlencoded", expect)[1]

    def close(self):
        if self.conn is not None:
            self.conn.close()


class Journey:
    def __init__(self, i, setup, password):
        self.i = i
        self.email = f"load-{i:03d}@example.org"
        self.language = "en" if i % 2 else "zh-hans"
        self.password = password
        self.fields = entry_fields(i, self.email, self.language, setup)
        self.files = nominator_files(i)
        self.sent = {kind: hashlib.sha256(content).hexdigest() for kind, (_name, content) in self.files.items()}
        self.reference = None
        self.error = None
        self.browser = None
        self.records = []
        self.seconds = None

    def run(self, clock):
        browser = Browser(clock)
        self.records = browser.records  # shared, so a journey cut off at the deadline still counts
        self.browser = browser
        try:
            clock.barrier.wait()
        except threading.BrokenBarrierError:
            self.error = "start barrier broken"
            return
        start = time.perf_counter()
        try:
            self._walk(browser)
        except JourneyFailed as failure:
            self.error = str(failure)
        except Exception as error:  # a bug in this script must show up as a failed journey, not vanish
            self.error = f"{type(error).__name__}: {error}"
        finally:
            browser.close()
            self.seconds = time.perf_counter() - start

    def _walk(self, browser):
        lang = self.language
        page = browser.get("login_page", f"/{lang}/accounts/login/")
        login = hidden_inputs(page, 'name="password"')
        if "csrfmiddlewaretoken" not in dict(login):
            raise JourneyFailed("login_page: no CSRF token in the login form")
        location = browser.post_form("login", f"/{lang}/accounts/login/",
                                     [*login, ("username", self.email), ("password", self.password)])
        if not location.endswith(f"/{lang}/nominations/"):
            raise JourneyFailed(f"login: redirected to {location!r}")
        browser.get("entry_list", location)
        page = browser.get("form_page", f"/{lang}/nominations/new/")
        hidden = hidden_inputs(page, f'action="/{lang}/nominations/new/"')
        names = {name for name, _value in hidden}
        if "form_token" not in names or "co_applicants-TOTAL_FORMS" not in names:
            raise JourneyFailed("form_page: form token or row management form missing")
        form = [(name, value) for name, value in hidden if name not in self.fields] + list(self.fields.items())
        location = browser.post_form("form_save", f"/{lang}/nominations/new/", form)
        match = re.fullmatch(rf"/{lang}/nominations/(\d+)/attachments/", location)
        if not match:
            raise JourneyFailed(f"form_save: redirected to {location!r}")
        entry = match.group(1)
        attachments = f"/{lang}/nominations/{entry}/attachments/"
        page = browser.get("attachments_page", attachments)
        for kind, (filename, content) in self.files.items():
            body, content_type = multipart([("csrfmiddlewaretoken", csrf_token(page)), ("kind", kind),
                                            ("caption_zh_hans", ""), ("caption_en", "")], "file", filename, content)
            location = browser.request(f"upload_{kind}", "POST", attachments, body, content_type, 302)[1]
            if location != attachments:
                raise JourneyFailed(f"upload_{kind}: redirected to {location!r}")
            page = browser.get("attachments_page", attachments)
        location = browser.post_form("submit", f"/{lang}/nominations/{entry}/submit/",
                                     [("csrfmiddlewaretoken", csrf_token(page))])
        if location != f"/{lang}/nominations/{entry}/":
            raise JourneyFailed(f"submit: redirected to {location!r}")
        page = browser.get("confirmation", location)
        match = re.search(r"<code>(WNEVC\d{4}-[A-Z]{2}-\d{4})</code>", page)
        if not match:
            raise JourneyFailed(f"confirmation: no reference number shown. {page_errors(page)}")
        self.reference = match.group(1)


# --- Server -------------------------------------------------------------------------------------
ACCESS_FORMAT = '%(p)s %(s)s %(M)s "%(r)s"'


def start_server(env, tmp, args):
    command = [PY, "-m", "gunicorn", "wnevc_portal.wsgi", "--bind", f"{HOST}:{PORT}", "--worker-class", "gthread",
               "--workers", str(args.workers), "--threads", str(args.threads),
               "--worker-connections", str(args.worker_connections), "--timeout", "60", "--keep-alive", "75",
               "--access-logfile", str(tmp / "access.log"), "--access-logformat", ACCESS_FORMAT,
               "--error-logfile", "-", "--log-level", "warning", "--no-control-socket"]
    log = open(tmp / "server.log", "w")
    server = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True, stdout=log, stderr=log)
    for _ in range(150):
        try:
            conn = http.client.HTTPConnection(HOST, PORT, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    bench.stop_server(server)
    raise SystemExit(f"gunicorn did not start on port {PORT}; see {tmp / 'server.log'}")


ROUTES = [  # (method, path pattern, steps): how the access log's requests map to the journey's steps
    ("GET", r"/accounts/login/", ["login_page"]), ("POST", r"/accounts/login/", ["login"]),
    ("GET", r"/nominations/", ["entry_list"]), ("GET", r"/nominations/new/", ["form_page"]),
    ("POST", r"/nominations/new/", ["form_save"]), ("GET", r"/nominations/\d+/attachments/", ["attachments_page"]),
    ("POST", r"/nominations/\d+/attachments/", ["upload_report", "upload_image", "upload_letter"]),
    ("POST", r"/nominations/\d+/submit/", ["submit"]), ("GET", r"/nominations/\d+/", ["confirmation"]),
]


def server_figures(tmp) -> dict:
    """From gunicorn's access log: requests per worker, and per step the time a thread spent on
    the request (%(M)s: from the moment a thread took it, so without the wait in the queue)."""
    per_worker, server_ms, by_step = Counter(), [], defaultdict(list)
    for line in (tmp / "access.log").read_text().splitlines():
        match = re.match(r'<(\d+)> (\d+) (\d+) "(\w+) /(?:en|zh-hans)(/\S*?)(?:\?\S*)? ', line)
        if not match:
            continue
        pid, _status, took, method, path = match.groups()
        per_worker[pid] += 1
        server_ms.append(int(took))
        for route_method, pattern, steps in ROUTES:
            if method == route_method and re.fullmatch(pattern, path):
                for step in steps:
                    by_step[step].append(int(took))
                break
    log = (tmp / "server.log").read_text(errors="replace")
    return {"requests_per_worker": dict(per_worker),
            "server_p50_ms": bench.percentile(server_ms, 50), "server_p95_ms": bench.percentile(server_ms, 95),
            "server_ms_by_step": {step: {"p50": bench.percentile(values, 50), "p95": bench.percentile(values, 95),
                                         "thread_seconds": round(sum(values) / 1000, 1)}
                                  for step, values in by_step.items()},
            "tracebacks": log.count("Traceback"), "log_tail": log.strip().splitlines()[-20:]}


# --- Figures ------------------------------------------------------------------------------------
def status_class(status):
    return f"{status // 100}xx" if status else "error"


def figures(journeys, seconds) -> dict:
    by_step = defaultdict(list)
    classes = defaultdict(Counter)
    for journey in journeys:
        for step, status, took in journey.records:
            by_step[step].append(took)
            classes[step][status_class(status)] += 1
    everything = [took for values in by_step.values() for took in values]

    def row(values, counter):
        return {"requests": len(values), "p50_ms": ms(bench.percentile(values, 50)),
                "p95_ms": ms(bench.percentile(values, 95)), "max_ms": ms(max(values) if values else None),
                "statuses": dict(sorted(counter.items()))}

    steps = {step: row(by_step[step], classes[step]) for step in STEPS if by_step[step]}
    total = row(everything, sum(classes.values(), Counter()))
    durations = [j.seconds for j in journeys if j.error is None and j.seconds is not None]
    return {"requests": len(everything), "seconds": round(seconds, 2),
            "requests_per_s": round(len(everything) / seconds, 1) if seconds else None,
            "journeys_per_s": round(len(durations) / seconds, 2) if seconds else None,
            "overall": total, "steps": steps,
            "journey_p50_s": round(bench.percentile(durations, 50), 2) if durations else None,
            "journey_p95_s": round(bench.percentile(durations, 95), 2) if durations else None}


def ms(seconds):
    return None if seconds is None else round(1000 * seconds, 1)


def checks_from(verify, load, journeys, n) -> list[tuple[str, bool, str]]:
    failed = [j for j in journeys if j.error]
    five = load["overall"]["statuses"].get("5xx", 0)
    return [
        ("journeys completed", not failed, f"{n - len(failed)}/{n}"),
        ("responses 5xx", five == 0, str(five)),
        ("connection errors", not load["overall"]["statuses"].get("error"),
         str(load["overall"]["statuses"].get("error", 0))),
        ("submitted entries", verify["submitted"] == n and verify["entries"] == n,
         f"{verify['submitted']} submitted of {verify['entries']} entries (expected {n})"),
        ("one entry per nominator", verify["nominators_with_entries"] == n and not verify["nominators_with_several"],
         f"{verify['nominators_with_entries']} nominators, {len(verify['nominators_with_several'])} with several"),
        ("distinct reference numbers", verify["distinct_references"] == n,
         f"{verify['distinct_references']} distinct of {verify['references']}"),
        ("references as shown", verify["references_as_shown"] == n, f"{verify['references_as_shown']}/{n}"),
        ("files stored, sha256 match", verify["files_ok"] == verify["files_sent"] and not verify["files_bad"]
         and not verify["files_unexpected"], f"{verify['files_ok']}/{verify['files_sent']}"),
        ("confirmation mails sent", verify["mails"] == n and verify["mail_recipients"] == n
         and not verify["mails_unsent"], f"{verify['mails']} to {verify['mail_recipients']} nominators, "
                                         f"{verify['mails_unsent']} unsent"),
    ]


def print_report(load, server, checks, journeys, settings):
    print(f"\nLoad: {settings['nominators']} nominators at once, gunicorn {settings['workers']} workers × "
          f"{settings['threads']} threads (gthread, {settings['worker_connections']} connections per worker), port {PORT}")
    print(f"{'step':<18}{'requests':>9}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}{'server p50':>12}"
          f"{'server p95':>12}   statuses")
    rows = [*load["steps"].items(), ("all", load["overall"])]
    served = {**server["server_ms_by_step"], "all": {"p50": server["server_p50_ms"], "p95": server["server_p95_ms"]}}
    for name, row in rows:
        statuses = " ".join(f"{k}:{v}" for k, v in row["statuses"].items())
        times = served.get(name, {})
        print(f"{name:<18}{row['requests']:>9}{row['p50_ms']:>10}{row['p95_ms']:>10}{row['max_ms']:>10}"
              f"{times.get('p50', '-'):>12}{times.get('p95', '-'):>12}   {statuses}")
    print("(client times include the wait for a free server thread; server times are gunicorn's, per request"
          " kind: the three uploads share one line of the access log)")
    print(f"\n{load['requests']} requests in {load['seconds']} s: {load['requests_per_s']} requests/s, "
          f"{load['journeys_per_s']} journeys/s; journey p50 {load['journey_p50_s']} s, p95 {load['journey_p95_s']} s")
    print(f"requests per worker {server['requests_per_worker']}, worker peak RSS MB {server['worker_peak_rss_mb']}, "
          f"{load['connections_opened']} TCP connections; load generator CPU {load['client_cpu_s']} s; "
          f"tracebacks in the server log: {server['tracebacks']}")
    failures = Counter(j.error.split(":")[0] for j in journeys if j.error)
    if failures:
        print(f"failed journeys by step: {dict(failures)}")
        for journey in [j for j in journeys if j.error][:5]:
            print(f"  load-{journey.i:03d}: {journey.error}")
    print(f"\n{'check':<30}{'result':<8}detail")
    for name, ok, detail in checks:
        print(f"{name:<30}{'ok' if ok else 'FAILED':<8}{detail}")


def main():
    args = parse_args()
    started = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="wnevc-load-"))
    env = make_env(args.database_url, tmp)
    password = "load-" + secrets.token_urlsafe(16)
    print(f"Preparing {args.database_url} and {tmp} ...", flush=True)
    bench.recreate_database(args.database_url)
    bench.manage(env, "migrate", "--noinput", "-v0")
    bench.manage(env, "collectstatic", "--noinput", "-v0")
    bench.manage(env, "seed_demo", capture=True)
    setup = bench.django({**env, "LOAD_NOMINATORS": str(args.nominators), "LOAD_PASSWORD": password}, SETUP)
    if not setup["edition"]["open"] or setup["nominators"] != args.nominators:
        raise SystemExit(f"setup went wrong: {setup}")
    journeys = [Journey(i, setup, password) for i in range(args.nominators)]  # files made before the start
    server = start_server(env, tmp, args)
    try:
        clock = StartClock(args.nominators + 1, args.deadline)
        cpu_before = time.process_time()
        threads = [threading.Thread(target=j.run, args=(clock,), daemon=True) for j in journeys]
        for thread in threads:
            thread.start()
        print(f"{args.nominators} nominators start now (deadline {args.deadline:.0f} s) ...", flush=True)
        clock.barrier.wait(timeout=60)
        for thread in threads:
            thread.join(timeout=max(0.0, clock.deadline_at + 10 - time.perf_counter()))
        load_seconds = time.perf_counter() - clock.started_at
        client_cpu = time.process_time() - cpu_before
        for journey, thread in zip(journeys, threads, strict=True):
            if thread.is_alive():
                journey.error = journey.error or "still running after the deadline"
        peaks = {pid: round(kb / 1024, 1) for pid, kb in bench.worker_peaks(server).items()}
    finally:
        bench.stop_server(server)
    load = {**figures(journeys, load_seconds), "client_cpu_s": round(client_cpu, 1),
            "connections_opened": sum(j.browser.connections for j in journeys if j.browser)}
    server_info = {**server_figures(tmp), "worker_peak_rss_mb": peaks}
    manifest = {j.email: {"files": j.sent, "reference": j.reference} for j in journeys}
    (tmp / "manifest.json").write_text(json.dumps(manifest))
    verify = bench.django({**env, "LOAD_MANIFEST": str(tmp / "manifest.json")}, VERIFY)
    checks = checks_from(verify, load, journeys, args.nominators)
    settings = {"nominators": args.nominators, "workers": args.workers, "threads": args.threads,
                "worker_connections": args.worker_connections,
                "deadline_s": args.deadline, "port": PORT, "database_url": args.database_url}
    print_report(load, server_info, checks, journeys, settings)
    result = {"load": load, "server": server_info, "verify": verify,
              "checks": [{"check": name, "ok": ok, "detail": detail} for name, ok, detail in checks],
              "failures": [{"nominator": j.email, "error": j.error} for j in journeys if j.error],
              "settings": settings, "media_root": env["MEDIA_ROOT"],
              "seconds": round(time.perf_counter() - started, 1)}
    Path(args.output).write_text(json.dumps(result, indent=2, ensure_ascii=False))
    passed = all(ok for _name, ok, _detail in checks)
    if passed:
        shutil.rmtree(tmp)
    else:
        print(f"\nserver log, access log and stored files kept in {tmp}")
    print(f"written to {args.output}; total {result['seconds']} s")
    sys.exit(0 if passed else 1)


if __name__ == "__main__":
    main()
