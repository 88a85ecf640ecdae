#!/usr/bin/env python
"""`make bench`: how fast is the portal, against a ceiling, at 1,000 and 10,000 entries.

Seeds a PostgreSQL database on 127.0.0.1, starts gunicorn with production settings (2 workers,
DEBUG off, cached templates, WhiteNoise), and measures each page with a bounded load from this
process (keep-alive HTTP/1.1 clients in threads, loopback only), alternating the targets in short
slices so that machine drift cancels. The ceiling is a minimal Django view in the same server.
Also measured: XLSX export, ZIP dossier of 100 entries, a complete submission with 20 MB of files.
Prints one table and writes bench/results.json."""

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
from pathlib import Path

import psycopg2
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
PORT = 8765
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
    return parser.parse_args()


def make_env(database_url, tmp):
    return {**os.environ, "DEBUG": "0", "HTTPS": "0", "SECRET_KEY": "bench-" + secrets.token_urlsafe(40),
            "ALLOWED_HOSTS": f"{HOST},localhost", "DATABASE_URL": database_url, "DEMO_DATA_ALLOWED": "1",
            "BENCH_CEILING": "1", "STATIC_ROOT": str(tmp / "static"), "MEDIA_ROOT": str(tmp / "media"),
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend", "ORGANISER_EMAILS": "",
            "CONN_MAX_AGE": "60", "LOG_LEVEL": "ERROR"}


def manage(env, *args, capture=False):
    result = subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, check=True, text=True,
                            capture_output=capture)
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


SETUP = r"""
import json
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
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
    "admin_entry": (f"/admin/submissions/entry/{submitted.pk}/change/", "organiser"),
}
facts = {}
for name, (path, role) in pages.items():
    client = Client(HTTP_HOST="127.0.0.1")
    if role:
        client.cookies["sessionid"] = sessions[role]
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    facts[name] = {"status": response.status_code, "queries": len(queries), "bytes": len(response.content)}
print(json.dumps({"pages": {k: {"path": p, "role": r} for k, (p, r) in pages.items()}, "facts": facts,
                  "sessions": sessions, "draft": draft.pk, "entries": Entry.objects.count()}))
"""


class Target:
    def __init__(self, name, path, cookie):
        self.name, self.path, self.cookie = name, path, cookie
        self.latencies, self.count, self.errors, self.seconds = [], 0, 0, 0.0


def hammer(target, seconds, concurrency):
    """`concurrency` keep-alive clients request target.path for `seconds`."""
    stop = time.perf_counter() + seconds
    lock = threading.Lock()
    headers = {"Cookie": target.cookie} if target.cookie else {}

    def worker():
        conn = http.client.HTTPConnection(HOST, PORT, timeout=30)
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
                conn = http.client.HTTPConnection(HOST, PORT, timeout=30)
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


def measure_pages(setup, args):
    sessions = setup["sessions"]
    targets = [Target("ceiling", "/bench/ceiling", None)]
    for name, page in setup["pages"].items():
        if setup["facts"][name]["status"] != 200:
            continue  # reported in the table with its status instead of figures
        cookie = f"sessionid={sessions[page['role']]}" if page["role"] else None
        targets.append(Target(name, page["path"], cookie))
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
    for name, facts in setup["facts"].items():
        row = {"queries": facts["queries"], "bytes": facts["bytes"], "status": facts["status"]}
        if name in results:
            row.update(results[name])
            row["ratio"] = round(results[name]["rps"] / ceiling["rps"], 3) if ceiling["rps"] else None
        pages[name] = row
    return pages, ceiling


def start_server(env):
    command = [PY, "-m", "gunicorn", "wnevc_portal.wsgi", "--workers", "2", "--bind", f"{HOST}:{PORT}",
               "--access-logfile", "/dev/null", "--error-logfile", "-", "--log-level", "warning",
               "--timeout", "60", "--keep-alive", "5"]
    server = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    for _ in range(100):
        try:
            conn = http.client.HTTPConnection(HOST, PORT, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    stop_server(server)
    raise SystemExit("gunicorn did not start")


def stop_server(server):
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


def print_table(pages, ceiling, title):
    print(f"\n{title}")
    print(f"{'page':<18}{'rps':>9}{'p50 ms':>9}{'p99 ms':>9}{'ratio':>8}{'queries':>9}{'bytes':>9}")
    print(f"{'ceiling':<18}{ceiling['rps']:>9}{ceiling['p50_ms']:>9}{ceiling['p99_ms']:>9}{'1.000':>8}{'0':>9}{'2':>9}")
    for name, row in pages.items():
        if "rps" in row:
            print(f"{name:<18}{row['rps']:>9}{row['p50_ms']:>9}{row['p99_ms']:>9}{row['ratio']:>8}"
                  f"{row['queries']:>9}{row['bytes']:>9}")
        else:
            print(f"{name:<18}{'status ' + str(row['status']):>35}{row['queries']:>9}{row['bytes']:>9}")


def main():
    args = parse_args()
    started = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="wnevc-bench-"))
    env = make_env(args.database_url, tmp)
    recreate_database(args.database_url)
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "collectstatic", "--noinput", "-v0")
    seeded = 0
    scale, operations = {}, {}
    pages = ceiling = setup = None
    for total in sorted(args.entries):
        manage(env, "seed_demo", "--entries", str(total - seeded), capture=True)
        seeded = total
        setup = django(env, SETUP)
        server = start_server(env)
        try:
            pages, ceiling = measure_pages(setup, args)
            if total == max(args.entries):
                operations["submission_20mb"] = submission_20mb(server, setup, tmp)
        finally:
            stop_server(server)
        scale[str(total)] = {"pages": pages, "ceiling": ceiling, "entries": setup["entries"]}
        print_table(pages, ceiling, f"{setup['entries']} entries (gunicorn, 2 workers, {args.concurrency} clients)")
    operations["export_xlsx"] = django(env, OPERATIONS)
    operations["zip_dossier_100"] = django(env, DOSSIER)
    print("\noperations:")
    for name, figures in operations.items():
        print(f"  {name}: {json.dumps(figures)}")
    result = {"pages": pages, "ceiling": ceiling, "operations": operations, "entries": setup["entries"],
              "scale": scale, "settings": {"workers": 2, "concurrency": args.concurrency, "slice_s": args.slice,
                                           "rounds": args.rounds},
              "seconds": round(time.perf_counter() - started, 1)}
    Path(args.output).write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(f"\nwritten to {args.output} in {result['seconds']} s")


if __name__ == "__main__":
    main()
