"""pretalx's CfP form page as a comparison target for `make bench`.

pretalx (pinned below) is installed from PyPI into its own virtualenv outside the repository
(~/.cache/wnevc-bench/pretalx-venv, created on demand and reused; BENCH_PRETALX_VENV overrides it).
pretalx 2026.x requires Python >= 3.13: the first of BENCH_PRETALX_PYTHON, python3.13/3.14 on PATH
and pyenv's 3.13+ that runs is used. The bench gives it a generated pretalx.cfg (debug off, its own
PostgreSQL database, data dir in the bench's temp dir, static files collected once into a cache dir
next to the venv, Redis db BENCH_PRETALX_REDIS for its cache and sessions), runs its migrations,
creates an organiser and an event with an open CfP through pretalx's own domain functions in
`pretalx shell`, and serves it with gunicorn, 2 sync workers, as the portal is served.

The measured page is the first step of the CfP wizard: GET /<event>/submit/ redirects once to
/<event>/submit/<tmpid>/info/, and that URL is requested as an anonymous visitor holding the session
and CSRF cookies that its first response set.

Any failure raises PretalxUnavailable with the step and the end of its output; the bench prints it
and carries on without the pretalx row."""

import glob
import http.client
import json
import os
import secrets
import shutil
import signal
import subprocess
import time
import urllib.parse
from pathlib import Path

VERSION = "2026.2.1"
SLUG = "benchcon"
HOST = "127.0.0.1"
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "wnevc-bench"
VENV = Path(os.environ.get("BENCH_PRETALX_VENV", CACHE / "pretalx-venv"))
STATIC = CACHE / f"pretalx-static-{VERSION}"
REDIS = os.environ.get("BENCH_PRETALX_REDIS", "redis://127.0.0.1:6379/13")

EVENT_SETUP = r"""
import datetime as dt, json
from django.utils.timezone import now
from django_scopes import scope, scopes_disabled
from pretalx.event.domain.event import create_event
from pretalx.event.domain.organiser import create_organiser_with_team
from pretalx.event.models import Event
from pretalx.person.domain.user import create_user
from pretalx.person.models import User
from pretalx.submission.models import SubmissionType, Track

SLUG = "%(slug)s"
with scopes_disabled():
    if not Event.objects.filter(slug=SLUG).exists():
        admin = User.objects.filter(email="admin@example.org").first() or create_user(
            email="admin@example.org", name="Bench Admin", password="%(password)s", is_administrator=True,
            is_staff=True)
        organiser, team = create_organiser_with_team(name="Bench Org", slug="benchorg", users=[admin])
        start = now() + dt.timedelta(days=60)
        event = create_event(organiser=organiser, locales=["en"], name="BenchCon", slug=SLUG, is_public=True,
                             date_from=start.date(), date_to=start.date() + dt.timedelta(days=2),
                             timezone="UTC", email="orga@example.org", locale="en")
        with scope(event=event):
            team.limit_events.add(event)
            SubmissionType.objects.create(event=event, name="Workshop", default_duration=90)
            Track.objects.create(event=event, name="Batteries", color="#0b5e8e")
            Track.objects.create(event=event, name="Charging", color="#8e0b5e")
            event.cfp.headline = "BenchCon submissions are open!"
            event.cfp.text = "Submit your proposal: batteries, charging, automated driving."
            event.cfp.deadline = now() + dt.timedelta(days=30)
            event.cfp.save()
    event = Event.objects.get(slug=SLUG)
    with scope(event=event):
        print(json.dumps({"slug": SLUG, "cfp_open": event.cfp.is_open, "public": event.is_public}))
"""


class PretalxUnavailable(Exception):
    pass


def _tail(text, lines=15):
    text = (text or "").strip().splitlines()
    return "\n".join("    " + line for line in text[-lines:])


def _run(step, command, timeout, **kwargs):
    try:
        result = subprocess.run(command, text=True, capture_output=True, timeout=timeout, **kwargs)
    except subprocess.TimeoutExpired:
        raise PretalxUnavailable(f"{step}: no result after {timeout} s ({' '.join(map(str, command[:4]))} …)")
    except OSError as exc:
        raise PretalxUnavailable(f"{step}: {exc}")
    if result.returncode:
        raise PretalxUnavailable(f"{step} failed (exit {result.returncode}):\n"
                                 f"{_tail(result.stderr + result.stdout)}")
    return result.stdout


def find_python():
    """A Python >= 3.13 interpreter (pretalx 2026.x's Requires-Python)."""
    candidates = [os.environ.get("BENCH_PRETALX_PYTHON")]
    candidates += [shutil.which(name) for name in ("python3.13", "python3.14", "python3.15")]
    candidates += sorted(glob.glob(str(Path.home() / ".pyenv/versions/3.1[3-9]*/bin/python3")))
    tried = []
    for candidate in filter(None, candidates):
        try:
            out = subprocess.run([candidate, "-c", "import sys, venv, ssl; print(sys.version_info >= (3, 13))"],
                                 text=True, capture_output=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            tried.append(candidate)
            continue
        if out.stdout.strip() == "True":
            return candidate
        tried.append(candidate)
    raise PretalxUnavailable(f"pretalx {VERSION} requires Python >= 3.13 and none was found "
                             f"(tried: {', '.join(tried) or 'nothing on PATH or in ~/.pyenv'}); "
                             "set BENCH_PRETALX_PYTHON to one")


def ensure_venv(gunicorn_version, log):
    """Create or reuse the virtualenv; returns its python. Reinstalls when the pins change."""
    marker = VENV / ".wnevc-bench-installed"
    wanted = f"pretalx[postgres]=={VERSION} gunicorn=={gunicorn_version}"
    python = VENV / "bin" / "python"
    if marker.exists() and marker.read_text().strip() == wanted and python.exists():
        log(f"pretalx: reusing {VENV}")
        return python
    base = find_python()
    log(f"pretalx: installing {wanted} into {VENV} (Python {base})")
    shutil.rmtree(VENV, ignore_errors=True)
    VENV.parent.mkdir(parents=True, exist_ok=True)
    _run("creating the pretalx virtualenv", [base, "-m", "venv", str(VENV)], 120)
    _run(f"pip install pretalx=={VERSION}",
         [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *wanted.split()], 900)
    marker.write_text(wanted + "\n")
    return python


class Pretalx:
    """Prepare, serve and stop pretalx; `path`/`cookie` are set once started."""

    def __init__(self, tmp, database_url, port, gunicorn_version, log=print):
        self.tmp = Path(tmp) / "pretalx"
        self.port = port
        self.gunicorn_version = gunicorn_version
        self.log = log
        parts = urllib.parse.urlparse(database_url)
        self.db = {"host": parts.hostname or HOST, "port": parts.port or 5432, "user": parts.username or "postgres",
                   "password": parts.password or "", "name": os.environ.get("BENCH_PRETALX_DATABASE",
                                                                            "wnevc_bench_pretalx")}
        self.python = self.server = None
        self.path = self.cookie = None
        self.facts = {}
        self.timings = {}

    # -- preparation (may run in a thread while the portal's database is seeded) --

    def env(self):
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("PRETALX_", "DJANGO_")) and k not in ("DATABASE_URL", "SECRET_KEY", "DEBUG")}
        env["PRETALX_CONFIG_FILE"] = str(self.tmp / "pretalx.cfg")
        return env

    def write_config(self):
        self.tmp.mkdir(parents=True, exist_ok=True)
        d = self.db
        (self.tmp / "pretalx.cfg").write_text(f"""[filesystem]
data = {self.tmp / 'data'}
static = {STATIC}

[site]
debug = False
url = http://{HOST}:{self.port}
secret = {secrets.token_urlsafe(40)}

[database]
backend = postgresql
name = {d['name']}
user = {d['user']}
password = {d['password']}
host = {d['host']}
port = {d['port']}

[redis]
location = {REDIS}
session = True

[mail]
from = bench@localhost
host = {HOST}
port = 1

[locale]
language_code = en
time_zone = UTC
""")

    def recreate_database(self):
        import psycopg2  # noqa: PLC0415 (only when pretalx is benchmarked; the import error is reported)

        d = self.db
        try:
            admin = psycopg2.connect(host=d["host"], port=d["port"], user=d["user"], password=d["password"],
                                     dbname="postgres")
            admin.autocommit = True
            with admin.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{d["name"]}" WITH (FORCE)')
                cursor.execute(f'CREATE DATABASE "{d["name"]}"')
            admin.close()
        except psycopg2.Error as exc:
            raise PretalxUnavailable(f"creating pretalx's database {d['name']}: {exc}")

    def manage(self, step, *args, timeout=600):
        return _run(step, [str(self.python), "-m", "pretalx", *args], timeout, cwd=self.tmp, env=self.env())

    def prepare(self):
        started = time.perf_counter()
        self.python = ensure_venv(self.gunicorn_version, self.log)
        self.timings["install_s"] = round(time.perf_counter() - started, 1)
        self.write_config()
        self.recreate_database()
        step = time.perf_counter()
        marker = STATIC / ".wnevc-bench-built"
        if not marker.exists():  # collectstatic and the prebuilt frontend: once per pretalx version
            self.manage("pretalx rebuild (static files)", "rebuild", "--silent")
            marker.write_text(VERSION + "\n")
        self.timings["rebuild_s"] = round(time.perf_counter() - step, 1)
        step = time.perf_counter()
        self.manage("pretalx migrate", "migrate", "--noinput", "-v0")
        self.timings["migrate_s"] = round(time.perf_counter() - step, 1)
        out = self.manage("creating the pretalx event", "shell", "--unsafe-disable-scopes", "-c",
                          EVENT_SETUP % {"slug": SLUG, "password": secrets.token_urlsafe(16)})
        try:
            event = json.loads(out.strip().splitlines()[-1])
        except (ValueError, IndexError):
            raise PretalxUnavailable(f"creating the pretalx event: unexpected output\n{_tail(out)}")
        if not (event.get("cfp_open") and event.get("public")):
            raise PretalxUnavailable(f"the pretalx event's CfP is not open: {event}")
        self.timings["prepare_s"] = round(time.perf_counter() - started, 1)

    # -- serving --

    def start(self):
        command = [str(self.python), "-m", "gunicorn", "pretalx.wsgi", "--workers", "2",
                   "--bind", f"{HOST}:{self.port}", "--access-logfile", "/dev/null",
                   "--error-logfile", str(self.tmp / "gunicorn.log"), "--log-level", "warning",
                   "--timeout", "60", "--keep-alive", "5"]
        self.server = subprocess.Popen(command, cwd=self.tmp, env=self.env(), start_new_session=True,
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        location = None
        for _ in range(150):
            if self.server.poll() is not None:
                break
            try:
                conn = http.client.HTTPConnection(HOST, self.port, timeout=10)
                conn.request("GET", f"/{SLUG}/submit/")
                response = conn.getresponse()
                response.read()
                location = response.getheader("Location")
                conn.close()
                break
            except OSError:
                time.sleep(0.2)
        if not location or "/info/" not in location:
            log = (self.tmp / "gunicorn.log")
            self.stop()
            raise PretalxUnavailable(f"pretalx's gunicorn did not answer /{SLUG}/submit/ with a redirect to the "
                                     f"CfP form (Location: {location!r}):\n"
                                     f"{_tail(log.read_text() if log.exists() else '')}")
        self.path = urllib.parse.urlparse(location).path
        conn = http.client.HTTPConnection(HOST, self.port, timeout=30)
        conn.request("GET", self.path)
        response = conn.getresponse()
        body = response.read()
        cookies = [c.split(";", 1)[0] for c in response.headers.get_all("Set-Cookie") or []]
        self.cookie = "; ".join(cookies) or None
        if response.status != 200 or b'name="title"' not in body and b"name=title" not in body:
            self.stop()
            raise PretalxUnavailable(f"pretalx's CfP form {self.path} answered {response.status} without the form")
        for _ in range(20):  # both workers: templates compiled, connections open
            conn.request("GET", self.path, headers={"Cookie": self.cookie} if self.cookie else {})
            response = conn.getresponse()
            response.read()
        conn.close()
        self.facts = {"status": response.status, "bytes": len(body), "queries": None}

    def stop(self):
        if self.server and self.server.poll() is None:
            os.killpg(self.server.pid, signal.SIGTERM)
            try:
                self.server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.server.pid, signal.SIGKILL)
                self.server.wait(timeout=10)
        self.server = None
