#!/usr/bin/env python
"""`make bench`: how fast is the portal, against a ceiling, at 1,000 and 10,000 entries.

Seeds a PostgreSQL database on 127.0.0.1, starts gunicorn with production settings (2 workers,
DEBUG off, cached templates, WhiteNoise), and measures each page with a bounded load from this
process (keep-alive HTTP/1.1 clients in threads, loopback only), alternating the targets in short
slices so that machine drift cancels. The ceiling is a minimal Django view in the same server.
Also in the same slices: the entry form from a second gunicorn started with HTML_CACHE=0 (same database;
every cache of rendered HTML off), and pretalx's CfP form page (bench/pretalx_target.py: pretalx from
PyPI in its own virtualenv outside the repository, its own database, gunicorn with 2 workers). If
pretalx cannot be installed or run, the bench says why and goes on without it.
Also measured: XLSX export, ZIP dossier of 100 entries, a complete submission with 20 MB of files.
Prints one table per size and a summary against the targets, and writes bench/results.json."""

import argparse
import http.client
import io
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from importlib.metadata import version
from pathlib import Path

import psycopg2
from PIL import Image
from pretalx_target import VERSION as PRETALX_VERSION
from pretalx_target import Pretalx, PretalxUnavailable

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
PORT = 8765  # the portal
NOCACHE_PORT = 8766  # the portal again, with HTML_CACHE=0
PRETALX_PORT = 8767
HOST = "127.0.0.1"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL",
                                                                 "postgres://postgres@127.0.0.1:5432/wnevc_bench"))
    parser.add_argument("--entries", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--slice", type=float, default=1.5, help="seconds per target and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--output", default=str(ROOT / "bench" / "results.json"))
    parser.add_argument("--no-pretalx", action="store_true", help="skip the pretalx comparison")
    return parser.parse_args()


def make_env(database_url, tmp):
    return {**os.environ, "DEBUG": "0", "HTTPS": "0", "SECRET_KEY": "bench-" + secrets.token_urlsafe(40),
            "ALLOWED_HOSTS": f"{HOST},localhost", "DATABASE_URL": database_url, "DEMO_DATA_ALLOWED": "1",
            "BENCH_CEILING": "1", "STATIC_ROOT": str(tmp / "static"), "MEDIA_ROOT": str(tmp / "media"),
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend", "ORGANISER_EMAILS": "",
            "CONN_MAX_AGE": "60", "LOG_LEVEL": "ERROR"}


def manage(env, *args, capture=False):
    result = subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, text=True, capture_output=capture)
    if result.returncode:
        sys.stderr.write(result.stderr or "")  # the traceback of a failed shell snippet
        raise subprocess.CalledProcessError(result.returncode, ["manage.py", args[0]])
    return result.stdout if capture else None


def django(env, code) -> dict:
    """Run `code` in a Django shell of the bench settings; it prints one JSON object last."""
    out = manage(env, "shell", "-c", code, capture=True)
    return json.loads(out.strip().splitlines()[-1])


def recreate_database(url):
    parts = urllib.parse.urlparse(url)
    name = parts.path.lstrip("/")
    admin = psycopg2.connect(host=parts.hostname, port=parts.port or 5432, user=parts.username,
                             password=parts.password, dbname="postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()


COUNT_QUERIES = r"""
import json
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

def count_queries(path, sessionid):
    # SQL queries of the first request in this process (cold caches) and of the next one (what the load
    # measures in a warm worker).
    counts = []
    for _ in range(2):
        client = Client(HTTP_HOST="127.0.0.1")
        if sessionid:
            client.cookies["sessionid"] = sessionid
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        counts.append(len(queries))
    return {"status": response.status_code, "queries": counts[1], "queries_cold": counts[0],
            "bytes": len(response.content)}

"""

SETUP = COUNT_QUERIES + r"""
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from submissions.services import attachments as attachment_services
from submissions.services import demo
from submissions.services import entries as services
from submissions.models import Attachment, Edition, Entry, User

def session(email):
    user = User.objects.get(email=email)
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "submissions.backends.PortalBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key

# Fresh planner statistics after the bulk load (autovacuum would do it in production, later).
if connection.vendor == "postgresql":
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
edition = Edition.objects.current()
Edition.objects.filter(pk=edition.pk).update(results_published=True)
nominator = User.objects.get(email="nominator@example.com")
# A complete draft without files: the bench uploads 20 MB to it and submits it.
draft = Entry.objects.create(edition=edition, nominator=nominator, category_id=1, technical_field_id=1, **demo.SAMPLE)
submitted = Entry.objects.filter(nominator=nominator).exclude(status="draft").first()
# 100 entries with real files for the dossier measurement (idempotent).
with_files = list(Entry.objects.filter(attachments__isnull=False).values_list("pk", flat=True).distinct())
for entry in Entry.objects.exclude(pk__in=with_files).exclude(status="draft")[: max(0, 100 - len(with_files))]:
    large_pdf = SimpleUploadedFile("report.pdf", demo.demo_pdf() + b"%" * 200_000)
    attachment_services.add_attachment(entry=entry, kind="report", upload=large_pdf)
    attachment_services.add_attachment(entry=entry, kind="image", upload=SimpleUploadedFile("image.png", demo.demo_png()))
sessions = {role: session(email) for role, email in
            [("nominator", "nominator@example.com"), ("expert", "expert1@example.com"), ("organiser", "organiser@example.com")]}
year = edition.year
pages = {
    "home_zh": ("/zh-hans/", None), "home_en": ("/en/", None),
    "results_en": (f"/en/results/{year}/", None),
    "nominator_list": ("/zh-hans/nominations/", "nominator"),
    "nominator_form": (f"/zh-hans/nominations/{draft.pk}/edit/", "nominator"),
    "nominator_entry": (f"/zh-hans/nominations/{submitted.pk}/", "nominator"),
    "expert_list": ("/en/review/", "expert"),
    "admin_list": ("/admin/submissions/entry/", "organiser"),
    "admin_filtered": ("/admin/submissions/entry/?status__exact=submitted&org_country=CN", "organiser"),
    "admin_search": ("/admin/submissions/entry/?q=%E7%94%B5%E6%B1%A0", "organiser"),
    "admin_search_en": ("/admin/submissions/entry/?q=battery", "organiser"),
    "admin_entry": (f"/admin/submissions/entry/{submitted.pk}/change/", "organiser"),
}
facts = {}
for name, (path, role) in pages.items():
    facts[name] = count_queries(path, sessions[role] if role else None)
print(json.dumps({"pages": {k: {"path": p, "role": r} for k, (p, r) in pages.items()}, "facts": facts,
                  "sessions": sessions, "draft": draft.pk, "entries": Entry.objects.count()}))
"""

# The same count in a process with the no-cache server's environment (HTML_CACHE=0).
PAGE_FACTS = COUNT_QUERIES + r"""
import os
print(json.dumps(count_queries(os.environ["BENCH_PATH"], os.environ["BENCH_SESSION"])))
"""


class Target:
    def __init__(self, name, path, cookie, port=PORT):
        self.name, self.path, self.cookie, self.port = name, path, cookie, port
        self.latencies, self.count, self.errors, self.seconds = [], 0, 0, 0.0


def hammer(target, seconds, concurrency):
    """`concurrency` keep-alive clients request target.path for `seconds`."""
    stop = time.perf_counter() + seconds
    lock = threading.Lock()
    headers = {"Cookie": target.cookie} if target.cookie else {}

    def worker():
        conn = http.client.HTTPConnection(HOST, target.port, timeout=30)
        local, errors = [], 0
        while time.perf_counter() < stop:
            start = time.perf_counter()
            try:
                conn.request("GET", target.path, headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status >= 500:
                    errors += 1
            except (OSError, http.client.HTTPException):
                errors += 1
                conn.close()
                conn = http.client.HTTPConnection(HOST, target.port, timeout=30)
                continue
            local.append(time.perf_counter() - start)
        conn.close()
        with lock:
            target.latencies.extend(local)
            target.errors += errors

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    target.seconds += time.perf_counter() - began


def percentile(values, q):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def measure_pages(setup, args, extra):
    """The portal's pages, the ceiling and `extra` ({name: (Target, facts)}: other servers) in the same
    alternating slices."""
    sessions = setup["sessions"]
    targets = [Target("ceiling", "/bench/ceiling", None)]
    facts_by_name = dict(setup["facts"])
    for name, page in setup["pages"].items():
        if setup["facts"][name]["status"] != 200:
            continue  # reported in the table with its status instead of figures
        cookie = f"sessionid={sessions[page['role']]}" if page["role"] else None
        targets.append(Target(name, page["path"], cookie))
    for name, (target, facts) in extra.items():
        facts_by_name[name] = facts
        if facts["status"] == 200:
            targets.append(target)
    for target in targets:  # warm up caches and connections
        hammer(target, 0.3, 2)
        target.latencies, target.seconds, target.errors = [], 0.0, 0
    for _round in range(args.rounds):
        for target in targets:
            hammer(target, args.slice, args.concurrency)
    results = {}
    for target in targets:
        rps = len(target.latencies) / target.seconds if target.seconds else 0
        results[target.name] = {"rps": round(rps, 1), "p50_ms": round(1000 * percentile(target.latencies, 50), 2),
                                "p99_ms": round(1000 * percentile(target.latencies, 99), 2),
                                "requests": len(target.latencies), "errors_5xx": target.errors}
    ceiling = results.pop("ceiling")
    pages = {}
    for name, facts in facts_by_name.items():
        row = {key: facts.get(key) for key in ("queries", "queries_cold", "bytes", "status")}
        if name in results:
            row.update(results[name])
            row["ratio"] = round(results[name]["rps"] / ceiling["rps"], 3) if ceiling["rps"] else None
        pages[name] = row
    if "nominator_form_nocache" in pages:  # next to the cached form's row
        order = [name for name in pages if name != "nominator_form_nocache"]
        order.insert(order.index("nominator_form") + 1, "nominator_form_nocache")
        pages = {name: pages[name] for name in order}
    return pages, ceiling


def start_server(env, port=PORT):
    command = [PY, "-m", "gunicorn", "wnevc_portal.wsgi", "--workers", "2", "--bind", f"{HOST}:{port}",
               "--access-logfile", "/dev/null", "--error-logfile", "-", "--log-level", "warning",
               "--timeout", "60", "--keep-alive", "5"]
    server = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    for _ in range(100):
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    stop_server(server)
    raise SystemExit(f"gunicorn did not start on port {port}")


def stop_server(server):
    if server is None or server.poll() is not None:
        return
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=30)


def worker_peaks(server) -> dict:
    """VmHWM (peak resident memory, kB) of each gunicorn worker."""
    peaks = {}
    for child in Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split():
        status = Path(f"/proc/{child}/status").read_text()
        peaks[child] = int(re.search(r"VmHWM:\s+(\d+)", status).group(1))
    return peaks


def png_bytes():
    out = io.BytesIO()
    Image.new("RGB", (1600, 1000), (11, 94, 142)).save(out, "PNG")
    return out.getvalue()


def submission_20mb(server, setup, tmp):
    """Upload 20 MB of files to the draft through gunicorn, then submit it; returns seconds per
    step and the largest growth of a worker's peak memory."""
    cookie = f"sessionid={setup['sessions']['nominator']}"
    entry = setup["draft"]
    conn = http.client.HTTPConnection(HOST, PORT, timeout=120)

    def get(path):
        conn.request("GET", path, headers={"Cookie": cookie})
        response = conn.getresponse()
        body = response.read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)
        csrf = response.getheader("Set-Cookie", "")
        csrf_cookie = re.search(r"csrftoken=([^;]+)", csrf)
        return token.group(1) if token else None, csrf_cookie.group(1) if csrf_cookie else None

    token, csrf_cookie = get(f"/en/nominations/{entry}/attachments/")
    cookies = f"{cookie}; csrftoken={csrf_cookie}"
    before = worker_peaks(server)
    timings = {}
    for kind, name, size in [("report", "report.pdf", 12 * 1024 * 1024), ("image", "photo.png", 0),
                             ("other", "test-report.pdf", 8 * 1024 * 1024)]:
        if kind == "image":
            content = png_bytes()
        else:
            content = b"%PDF-1.4\n" + os.urandom(size)
        boundary = "----bench" + secrets.token_hex(8)
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrfmiddlewaretoken\"\r\n\r\n{token}\r\n"
                f"--{boundary}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\n{kind}\r\n"
                f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
                f"Content-Type: application/octet-stream\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
        start = time.perf_counter()
        conn.request("POST", f"/en/nominations/{entry}/attachments/", body=body, headers={
            "Cookie": cookies, "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Referer": f"http://{HOST}:{PORT}/"})
        response = conn.getresponse()
        response.read()
        timings[f"upload_{kind}_s"] = round(time.perf_counter() - start, 3)
        timings[f"upload_{kind}_status"] = response.status
    start = time.perf_counter()
    conn.request("POST", f"/en/nominations/{entry}/submit/", body=f"csrfmiddlewaretoken={token}", headers={
        "Cookie": cookies, "Content-Type": "application/x-www-form-urlencoded", "Referer": f"http://{HOST}:{PORT}/"})
    response = conn.getresponse()
    response.read()
    location = response.getheader("Location", "")
    conn.request("GET", location, headers={"Cookie": cookies})
    page = conn.getresponse().read().decode()
    timings["submit_and_confirmation_s"] = round(time.perf_counter() - start, 3)
    timings["submitted"] = "WNEVC" in page and "submitted" in page.lower()
    after = worker_peaks(server)
    growth = max(after[pid] - before.get(pid, after[pid]) for pid in after)
    timings["worker_peak_rss_growth_mb"] = round(growth / 1024, 1)
    timings["seconds"] = round(sum(v for k, v in timings.items() if k.endswith("_s")), 3)
    return timings


OPERATIONS = r"""
import json, resource, tempfile, time
from submissions.models import Entry
from submissions.exports.entries import write_xlsx
from submissions.exports.dossier import build_dossier
start = time.perf_counter()
with tempfile.TemporaryFile() as target:
    write_xlsx(Entry.objects.all(), target)
    size = target.tell()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
xlsx = {"seconds": round(time.perf_counter() - start, 2), "peak_mb": round(peak, 1), "rows": Entry.objects.count(),
        "bytes": size}
print(json.dumps(xlsx))
"""
DOSSIER = r"""
import json, resource, time
from submissions.models import Entry
from submissions.exports.dossier import build_dossier
from submissions.services import attachments as attachment_services
entries = (Entry.objects.filter(attachments__isnull=False).distinct().order_by("pk")[:100]
           .select_related("edition", "category", "technical_field")
           .prefetch_related("attachments", "co_applicants", "indicators", "ip_items", "awards", "contributors"))
start = time.perf_counter()
archive = build_dossier(entries)
archive.seek(0, 2)
print(json.dumps({"seconds": round(time.perf_counter() - start, 2), "entries": len(entries), "bytes": archive.tell(),
                  "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}))
"""


LABELS = {
    "home_zh": "home (zh)", "home_en": "home (en)", "results_en": "results",
    "nominator_list": "nominator: my entries", "nominator_form": "nominator: entry form (cache hit)",
    "nominator_form_nocache": "nominator: entry form (no HTML cache)", "nominator_entry": "nominator: entry page",
    "expert_list": "expert: my assignments", "admin_list": "admin: entry list",
    "admin_filtered": "admin: filtered list", "admin_search": "admin: search (电池)",
    "admin_search_en": "admin: search (battery)", "admin_entry": "admin: entry page",
    "pretalx_cfp_form": f"pretalx {PRETALX_VERSION}: CfP form",
}


def label(name):
    return LABELS.get(name, name)


def pad(text, width):
    """Left-justify in terminal columns (a CJK character takes two)."""
    return text + " " * max(0, width - sum(2 if ord(c) > 0x2E80 else 1 for c in text))


def print_table(pages, ceiling, title):
    print(f"\n{title}")
    print(f"{pad('page', 42)}{'rps':>9}{'p50 ms':>9}{'p99 ms':>9}{'ratio':>8}{'queries':>13}{'bytes':>9}")
    print(f"{pad('ceiling', 42)}{ceiling['rps']:>9}{ceiling['p50_ms']:>9}{ceiling['p99_ms']:>9}{'1.000':>8}"
          f"{'0':>13}{'2':>9}")
    for name, row in pages.items():
        queries = "-" if row.get("queries") is None else str(row["queries"])
        if row.get("queries_cold") not in (None, row.get("queries")):
            queries += f" ({row['queries_cold']} cold)"
        if "rps" in row:
            errors = f"  {row['errors_5xx']} errors" if row.get("errors_5xx") else ""
            print(f"{pad(label(name), 42)}{row['rps']:>9}{row['p50_ms']:>9}{row['p99_ms']:>9}{row['ratio']:>8}"
                  f"{queries:>13}{row['bytes']:>9}{errors}")
        else:
            print(f"{pad(label(name), 42)}{'status ' + str(row['status']):>35}{queries:>13}{row['bytes']:>9}")


def summarise(scale, pretalx_error):
    """The issue's targets, from the smallest (demo) and the largest size of this run."""
    sizes = sorted(scale, key=int)
    demo, big = scale[sizes[0]], scale[sizes[-1]]
    small_n, big_n = demo["entries"], big["entries"]
    page = big["pages"]

    def p50(pages, name):
        return (pages.get(name) or {}).get("p50_ms")

    def rps(name):
        return (page.get(name) or {}).get("rps")

    checks = []

    def check(key, text, value, passed, target, unit=""):
        verdict = "n/a" if passed is None else ("PASS" if passed else "FAIL")
        checks.append({"check": key, "text": text, "value": value, "target": target, "verdict": verdict})

    list_demo, list_big = p50(demo["pages"], "admin_list"), p50(page, "admin_list")
    q_demo, q_big = demo["pages"]["admin_list"]["queries"], page["admin_list"]["queries"]
    ratio = round(list_big / list_demo, 2) if list_demo and list_big else None
    check("admin_list_p50_ratio",
          f"admin entry list p50 {big_n} / {small_n} entries: {list_big} / {list_demo} ms = {ratio}×, "
          f"queries {q_big} / {q_demo}", ratio,
          None if ratio is None else (ratio <= 1.5 and q_big == q_demo), "≤ 1.5× with the same query count")
    for name, term in (("admin_search", "电池"), ("admin_search_en", "battery")):
        value = p50(page, name)
        check(f"{name}_p50_ms", f"admin search ({term}) p50 at {big_n} entries: {value} ms, "
                                f"{page[name]['queries']} queries", value,
              None if value is None else value < 100, "< 100 ms")
    value = p50(page, "admin_entry")
    check("admin_entry_p50_ms", f"admin entry page p50 at {big_n} entries: {value} ms, "
                                f"{page['admin_entry']['queries']} queries", value,
          None if value is None else value < 150, "< 150 ms")
    pretalx = rps("pretalx_cfp_form")
    if pretalx:
        check("pretalx_rps", f"pretalx {PRETALX_VERSION} CfP form: {pretalx} rps = "
                             f"{page['pretalx_cfp_form']['ratio']} of our ceiling ({big['ceiling']['rps']} rps)",
              pretalx, None, "reference (issue: 0.042 of the ceiling)")
    else:
        check("pretalx_rps", f"pretalx {PRETALX_VERSION} CfP form: not measured ({pretalx_error})", None, None,
              "reference")
    for name, factor, text in (("nominator_form_nocache", 1, "entry form, no HTML cache"),
                               ("nominator_form", 3, "entry form, caches on")):
        ours = rps(name)
        value = round(ours / pretalx, 2) if ours and pretalx else None
        check(f"{name}_vs_pretalx", f"{text}: {ours} rps / pretalx {pretalx or '-'} rps = {value if value else '-'}×",
              value, None if value is None else value >= factor, f"≥ {factor}× pretalx")
    return checks


def print_summary(checks, concurrency):
    print(f"\nsummary (p50 with {concurrency} clients on 2 workers: a request often waits for another):")
    for item in checks:
        print(f"  {item['verdict']:<5} {item['text']}  [target {item['target']}]")


def prepare_pretalx(args, tmp):
    """Start preparing pretalx in a thread (it overlaps the portal's seeding); returns (pretalx, thread,
    errors list)."""
    if args.no_pretalx:
        return None, None, ["skipped (--no-pretalx)"]
    pretalx = Pretalx(tmp, args.database_url, PRETALX_PORT, version("gunicorn"),
                      log=lambda text: print(text, flush=True))
    errors = []

    def run():
        try:
            pretalx.prepare()
        except PretalxUnavailable as exc:
            errors.append(str(exc))
        except Exception as exc:  # anything else: the bench goes on without pretalx
            errors.append(f"{type(exc).__name__}: {exc}")

    thread = threading.Thread(target=run, name="pretalx-prepare", daemon=True)
    thread.start()
    return pretalx, thread, errors


def start_pretalx(pretalx, thread, errors):
    if pretalx is None:
        return None
    thread.join()
    if not errors:
        try:
            pretalx.start()
            print(f"pretalx {PRETALX_VERSION} serves its CfP form at http://{HOST}:{PRETALX_PORT}{pretalx.path} "
                  f"({json.dumps(pretalx.timings)})", flush=True)
            return pretalx
        except PretalxUnavailable as exc:
            errors.append(str(exc))
        except Exception as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
    print(f"\n*** pretalx comparison NOT measured: {errors[0]}\n*** the bench goes on without it.\n", flush=True)
    return None


def main():
    args = parse_args()
    started = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="wnevc-bench-"))
    env = make_env(args.database_url, tmp)
    nocache_env = {**env, "HTML_CACHE": "0"}
    recreate_database(args.database_url)
    pretalx, pretalx_thread, pretalx_errors = prepare_pretalx(args, tmp)
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "collectstatic", "--noinput", "-v0")
    seeded = 0
    scale, operations = {}, {}
    pages = ceiling = setup = None
    pretalx_server = None
    try:
        for total in sorted(args.entries):
            manage(env, "seed_demo", "--entries", str(total - seeded), capture=True)
            seeded = total
            setup = django(env, SETUP)
            form = setup["pages"]["nominator_form"]
            nocache_facts = django({**nocache_env, "BENCH_PATH": form["path"],
                                    "BENCH_SESSION": setup["sessions"][form["role"]]}, PAGE_FACTS)
            if pretalx_thread is not None and pretalx_server is None and not pretalx_errors:
                pretalx_server = start_pretalx(pretalx, pretalx_thread, pretalx_errors)
            extra = {"nominator_form_nocache": (
                Target("nominator_form_nocache", form["path"], f"sessionid={setup['sessions'][form['role']]}",
                       NOCACHE_PORT), nocache_facts)}
            if pretalx_server:
                extra["pretalx_cfp_form"] = (Target("pretalx_cfp_form", pretalx.path, pretalx.cookie, PRETALX_PORT),
                                             pretalx.facts)
            server = start_server(env)
            nocache_server = None
            try:
                nocache_server = start_server(nocache_env, NOCACHE_PORT)
                pages, ceiling = measure_pages(setup, args, extra)
                if total == max(args.entries):
                    operations["submission_20mb"] = submission_20mb(server, setup, tmp)
            finally:
                stop_server(nocache_server)
                stop_server(server)
            scale[str(total)] = {"pages": pages, "ceiling": ceiling, "entries": setup["entries"]}
            print_table(pages, ceiling, f"{setup['entries']} entries (gunicorn, 2 workers, {args.concurrency} clients)")
    finally:
        if pretalx is not None:
            pretalx.stop()
    if pretalx_errors:
        print(f"\npretalx not measured: {pretalx_errors[0]}")
    operations["export_xlsx"] = django(env, OPERATIONS)
    operations["zip_dossier_100"] = django(env, DOSSIER)
    print("\noperations:")
    for name, figures in operations.items():
        print(f"  {name}: {json.dumps(figures)}")
    checks = summarise(scale, pretalx_errors[0] if pretalx_errors else "no figures")
    print_summary(checks, args.concurrency)
    result = {"pages": pages, "ceiling": ceiling, "operations": operations, "entries": setup["entries"],
              "scale": scale, "summary": checks,
              "pretalx": {"version": PRETALX_VERSION, "measured": pretalx_server is not None,
                          "error": pretalx_errors[0] if pretalx_errors else None,
                          "path": pretalx.path if pretalx else None,
                          "timings": pretalx.timings if pretalx else None},
              "settings": {"workers": 2, "concurrency": args.concurrency, "slice_s": args.slice,
                           "rounds": args.rounds},
              "seconds": round(time.perf_counter() - started, 1)}
    Path(args.output).write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(f"\nwritten to {args.output} in {result['seconds']} s")


if __name__ == "__main__":
    main()
