#!/usr/bin/env python
"""`make cluster-test`: the portal as two app servers behind nginx, on this machine.

Recreates the PostgreSQL database `wnevc_cluster` (CLUSTER_DATABASE_URL), flushes one Redis
database (CLUSTER_REDIS_URL), migrates, collects the static files and loads the demo data. Then it
starts two gunicorn instances with deploy/gunicorn.conf.py and production settings on 127.0.0.1:8811
and :8812, sharing one temporary MEDIA_ROOT (the shared disk stands in for NFS or S3), and Debian's
nginx on 127.0.0.1:8810 with deploy/nginx/wnevc.conf turned into a plain-HTTP loopback config. nginx
adds `X-Upstream: <instance>` to every response, so each check knows which instance answered.

Checks, printed as PASS/FAIL: sessions, login lockout, rate limits, files and page-cache
invalidation across instances; POSTs sent again after a lost answer; losing one instance under
load; throughput with one and two instances. Writes deploy/cluster-results.json and exits 1 if any check
fails. Everything it starts is stopped at the end, also on failure; the run is bounded by CLUSTER_DEADLINE (240 s)."""

import argparse
import html
import http.client
import http.cookies
import io
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from html.parser import HTMLParser
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
NGINX = "/usr/sbin/nginx"
HOST = "127.0.0.1"
OTHER_CLIENT = "127.0.0.2"  # a second client address on the loopback interface
NGINX_PORT = 8810
APP_PORTS = (8811, 8812)
LOCKOUT_LIMIT = 3  # AXES_FAILURE_LIMIT for the test
RESET_LIMIT = 3  # RATE_LIMIT_PASSWORD_RESET for the test
PASSWORD = "wnevc-demo-2023"  # seed_demo's accounts
CLEAR_ERRORS = {502, 503, 504}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get(
        "CLUSTER_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/wnevc_cluster"))
    parser.add_argument("--redis-url", default=os.environ.get("CLUSTER_REDIS_URL", "redis://127.0.0.1:6379/7"))
    parser.add_argument("--deadline", type=float, default=float(os.environ.get("CLUSTER_DEADLINE", 240)),
                        help="seconds for the whole run")
    parser.add_argument("--load-seconds", type=float, default=10, help="throughput measurement per set-up")
    parser.add_argument("--failover-seconds", type=float, default=12)
    parser.add_argument("--no-x-accel", action="store_true",
                        help="run without X_ACCEL_REDIRECT: the app servers stream the files themselves")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (logs, configs)")
    parser.add_argument("--output", default=str(ROOT / "deploy" / "cluster-results.json"))
    return parser.parse_args()


# --- Results --------------------------------------------------------------------------------

class Report:
    def __init__(self):
        self.checks = []

    def add(self, name, ok, detail):
        self.checks.append({"check": name, "ok": bool(ok), "detail": detail})
        print(f"{'PASS' if ok else 'FAIL'} {name}: {detail}", flush=True)

    def run(self, name, function, *args):
        """Run one check; an exception is a FAIL with its message, never an abort of the run."""
        try:
            ok, detail = function(*args)
        except Exception as error:  # noqa: BLE001 - any error in a check is that check's failure
            ok, detail = False, f"{type(error).__name__}: {error}"
        self.add(name, ok, detail)
        return ok

    @property
    def failed(self):
        return [c for c in self.checks if not c["ok"]]


# --- HTTP: a small browser --------------------------------------------------------------------

class TransportError(Exception):
    pass


class Response:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    @property
    def upstream(self):
        """The instance that produced the response: the last address in X-Upstream (nginx lists
        every upstream it tried), or None when nginx answered by itself."""
        value = self.headers.get("X-Upstream") or ""
        return value.split(",")[-1].strip().rsplit(":", 1)[-1] or None

    @property
    def upstream_tries(self):
        return [part.strip().rsplit(":", 1)[-1] for part in (self.headers.get("X-Upstream") or "").split(",")
                if part.strip()]

    @property
    def location(self):
        return self.headers.get("Location", "")


class Browser:
    """Cookies and one keep-alive connection to one port, like one browser tab."""

    def __init__(self, port=NGINX_PORT, source=None, cookies=None):
        self.port, self.source = port, source
        self.cookies = dict(cookies or {})
        self.conn = None

    def _connect(self):
        self.close()
        self.conn = http.client.HTTPConnection(HOST, self.port, timeout=30,
                                               source_address=(self.source, 0) if self.source else None)

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def request(self, method, path, body=None, headers=None):
        headers = {"Accept-Language": "en", "User-Agent": "wnevc-cluster-test", **(headers or {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if method == "POST":  # as browsers do; Django's CSRF check compares it with the Host header
            headers["Origin"] = f"http://{HOST}:{self.port}"
        fresh = self.conn is None
        if fresh:
            self._connect()
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as error:
            self.close()
            # A GET on a keep-alive connection the server had just closed: send it again, as
            # browsers do. A POST is never resent silently.
            if method == "GET" and not fresh:
                return self.request(method, path, body, headers)
            raise TransportError(f"{method} {path}: {type(error).__name__} {error}") from error
        for header in response.headers.get_all("Set-Cookie") or []:
            jar = http.cookies.SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0" or (morsel["expires"] and "1970" in morsel["expires"]):
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        if response.getheader("Connection", "").lower() == "close":
            self.close()
        return Response(response.status, response.headers, data)

    def get(self, path, headers=None):
        return self.request("GET", path, headers=headers)

    def post(self, path, fields, files=None):
        body, content_type = self._encode(fields, files)
        return self.request("POST", path, body=body, headers={"Content-Type": content_type})

    def post_and_hang_up(self, path, fields, files=None):
        """Send a POST on a new connection and close it without reading the answer: the server
        still does the work, the client never learns (a crash or a dropped mobile link)."""
        body, content_type = self._encode(fields, files)
        head = [f"POST {path} HTTP/1.1", f"Host: {HOST}:{self.port}", f"Origin: http://{HOST}:{self.port}",
                f"Content-Type: {content_type}", f"Content-Length: {len(body)}", "Accept-Language: en",
                "Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()), "Connection: close"]
        with socket.create_connection((HOST, self.port), timeout=10) as raw:
            raw.sendall("\r\n".join(head).encode() + b"\r\n\r\n" + body)

    @staticmethod
    def _encode(fields, files):
        if files:
            boundary = "----wnevc" + secrets.token_hex(12)
            parts = []
            for name, value in fields.items():
                parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
            for name, (filename, content) in files.items():
                # Browsers send the file name as raw UTF-8 (a Chinese name stays Chinese).
                parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                             f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
                             + content + b"\r\n")
            body = b"".join(parts) + f"--{boundary}--\r\n".encode()
            content_type = f"multipart/form-data; boundary={boundary}"
        else:
            body = urllib.parse.urlencode(fields).encode()
            content_type = "application/x-www-form-urlencoded"
        return body, content_type


class FormParser(HTMLParser):
    """Every <form> of a page with the values a browser would send (no submit buttons)."""

    def __init__(self):
        super().__init__()
        self.forms, self._form, self._textarea, self._select, self._option = [], None, None, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {"attrs": a, "fields": []}
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input":
            kind = (a.get("type") or "text").lower()
            if not a.get("name") or kind in {"submit", "button", "image", "file", "reset"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in a:
                return
            self._form["fields"].append((a["name"], a.get("value") if a.get("value") is not None else
                                         ("on" if kind in {"checkbox", "radio"} else "")))
        elif tag == "textarea":
            self._textarea = [a.get("name"), ""]
        elif tag == "select":
            self._select = {"name": a.get("name"), "multiple": "multiple" in a, "options": []}
        elif tag == "option" and self._select is not None:
            self._option = [a.get("value"), "", "selected" in a]
            self._select["options"].append(self._option)

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data
        elif self._option is not None:
            self._option[1] += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea is not None:
            name, value = self._textarea
            if name:  # a newline right after <textarea> is not part of the value (HTML spec)
                self._form["fields"].append((name, value[1:] if value.startswith("\n") else value))
            self._textarea = None
        elif tag == "option":
            self._option = None
        elif tag == "select" and self._select is not None:
            options = [(o[0] if o[0] is not None else o[1].strip(), o[2]) for o in self._select["options"]]
            chosen = [v for v, selected in options if selected]
            if not chosen and options and not self._select["multiple"]:
                chosen = [options[0][0]]
            if self._select["name"]:
                self._form["fields"].extend((self._select["name"], v) for v in chosen)
            self._select = None
        elif tag == "form":
            self._form = None


def forms_of(page: str):
    parser = FormParser()
    parser.feed(page)
    return parser.forms


def csrf_token(page: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if not match:
        raise AssertionError("no CSRF token in the page")
    return match.group(1)


def login(browser, email, password, admin=False):
    path = "/admin/login/?next=/admin/" if admin else "/en/accounts/login/"
    page = browser.get(path)
    fields = {"csrfmiddlewaretoken": csrf_token(page.text), "username": email, "password": password}
    if admin:
        fields["next"] = "/admin/"
    return browser.post(path, fields)


# --- The cluster: processes ------------------------------------------------------------------

class Cluster:
    def __init__(self, args):
        self.args = args
        self.tmp = Path(tempfile.mkdtemp(prefix="wnevc-cluster-"))
        self.static, self.media = self.tmp / "static", self.tmp / "media"
        self.media.mkdir()
        self.apps = {}  # port -> Popen
        self.nginx = None
        self.env = {
            **os.environ,
            "DEBUG": "0", "HTTPS": "0", "BEHIND_PROXY": "1",
            "SECRET_KEY": "cluster-" + secrets.token_urlsafe(40),  # the same for both instances
            "ALLOWED_HOSTS": f"{HOST},localhost", "CSRF_TRUSTED_ORIGINS": "",
            "DATABASE_URL": args.database_url, "REDIS_URL": args.redis_url, "CONN_MAX_AGE": "60",
            "STATIC_ROOT": str(self.static), "MEDIA_ROOT": str(self.media), "S3_BUCKET": "",
            "X_ACCEL_REDIRECT": "" if args.no_x_accel else "/protected/",
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend", "ORGANISER_EMAILS": "",
            "DEMO_DATA_ALLOWED": "1", "LOG_LEVEL": "ERROR", "PUBLIC_PAGE_CACHE_SECONDS": "60",
            "AXES_FAILURE_LIMIT": str(LOCKOUT_LIMIT), "AXES_COOLOFF_MINUTES": "15",
            "RATE_LIMIT_PASSWORD_RESET": str(RESET_LIMIT), "RATE_LIMIT_SIGNUP": "10",
            "GUNICORN_WORKERS": "2", "GUNICORN_THREADS": "2", "GUNICORN_TIMEOUT": "60",
            "GUNICORN_LOGLEVEL": "warning",
        }
        self.env.pop("GUNICORN_CONTROL_SOCKET", None)

    # Django management commands with the cluster's settings.
    def manage(self, *args, timeout=180):
        result = subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=self.env, text=True, capture_output=True,
                                timeout=timeout)
        if result.returncode:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout[-2000:]}{result.stderr[-4000:]}")
        return result.stdout

    def start_app(self, port):
        log = open(self.tmp / f"gunicorn-{port}.log", "ab")
        env = {**self.env, "GUNICORN_BIND": f"{HOST}:{port}", "GUNICORN_ACCESSLOG": str(self.tmp / f"access-{port}.log")}
        process = subprocess.Popen([PY, "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py")],
                                   cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.apps[port] = process
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn on {port} exited:\n{self.tail(f'gunicorn-{port}.log')}")
            try:
                if Browser(port).get("/healthz").status == 200:
                    return process
            except TransportError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn on {port} did not answer /healthz:\n{self.tail(f'gunicorn-{port}.log')}")

    def kill_app(self, port, sig=signal.SIGKILL):
        process = self.apps.pop(port)
        _signal_group(process, sig)
        process.wait(timeout=30)

    def write_nginx_conf(self, ports):
        site = loopback_site((ROOT / "deploy" / "nginx" / "wnevc.conf").read_text(), ports, self.static, self.media)
        for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (self.tmp / "nginx-temp" / name).mkdir(parents=True, exist_ok=True)
        # Run as root, nginx's workers would drop to `nobody` and could not read what the app wrote
        # (0640, 0700 temporary directory). In production www-data is in the wnevc group instead.
        user = "user root root;\n" if os.geteuid() == 0 else ""
        temp = self.tmp / "nginx-temp"
        conf = f"""# Generated by deploy/cluster_test.py from deploy/nginx/wnevc.conf (loopback, plain HTTP).
{user}worker_processes 2;
pid {self.tmp}/nginx.pid;
error_log {self.tmp}/nginx-error.log warn;
events {{ worker_connections 512; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    log_format cluster '$remote_addr "$request" $status $body_bytes_sent upstream=$upstream_addr '
                       'upstream_status=$upstream_status rt=$request_time id=$request_id';
    access_log {self.tmp}/nginx-access.log cluster;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;

{site}
}}
"""
        (self.tmp / "nginx.conf").write_text(conf)

    def _nginx_command(self, *extra):
        return [NGINX, "-p", str(self.tmp), "-c", str(self.tmp / "nginx.conf"), "-e", str(self.tmp / "nginx-error.log"),
                *extra]

    def start_nginx(self, ports):
        self.write_nginx_conf(ports)
        check = subprocess.run(self._nginx_command("-t"), capture_output=True, text=True, timeout=30)
        if check.returncode:
            raise RuntimeError(f"nginx -t refused the generated config:\n{check.stderr}")
        log = open(self.tmp / "nginx-stdout.log", "ab")
        self.nginx = subprocess.Popen(self._nginx_command("-g", "daemon off;"), stdout=log, stderr=subprocess.STDOUT,
                                      start_new_session=True)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.nginx.poll() is not None:
                raise RuntimeError(f"nginx exited:\n{self.tail('nginx-error.log')}")
            try:
                if Browser(NGINX_PORT).get("/healthz").status == 200:
                    return
            except TransportError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"nginx did not answer:\n{self.tail('nginx-error.log')}")

    def reload_nginx(self, ports):
        """New upstream list, as an operator would: rewrite the config and send SIGHUP."""
        self.write_nginx_conf(ports)
        check = subprocess.run(self._nginx_command("-t"), capture_output=True, text=True, timeout=30)
        if check.returncode:
            raise RuntimeError(f"nginx -t: {check.stderr}")
        old = _worker_pids(self.nginx.pid)
        os.kill(self.nginx.pid, signal.SIGHUP)
        deadline = time.monotonic() + 10  # reloaded once none of the old workers is left
        while time.monotonic() < deadline and set(_worker_pids(self.nginx.pid)) & set(old):
            time.sleep(0.1)

    def stop(self):
        if self.nginx is not None:
            _signal_group(self.nginx, signal.SIGQUIT)  # graceful shutdown
            try:
                self.nginx.wait(timeout=5)
            except subprocess.TimeoutExpired:
                _signal_group(self.nginx, signal.SIGKILL)
                self.nginx.wait(timeout=5)
            self.nginx = None
        for port in list(self.apps):
            process = self.apps.pop(port)
            _signal_group(process, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                _signal_group(process, signal.SIGKILL)
                process.wait(timeout=5)

    def all_processes(self):
        return [p for p in [self.nginx, *self.apps.values()] if p is not None]

    def tail(self, name, lines=30):
        path = self.tmp / name
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else "(no log)"


def _signal_group(process, sig):
    try:
        os.killpg(process.pid, sig)  # the process and its children (gunicorn's workers)
    except ProcessLookupError:
        pass


def _worker_pids(pid):
    try:
        return Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []


def loopback_site(conf: str, ports, static: Path, media: Path) -> str:
    """deploy/nginx/wnevc.conf for this machine: its upstream block pointing at our instances,
    the HTTPS server block on 127.0.0.1:NGINX_PORT without TLS, the port-80 redirect dropped,
    temporary paths, and `X-Upstream` on every response. Everything else is the production file."""
    blocks, current = [], None
    for line in conf.splitlines():
        if current is None and re.match(r"^(upstream|server)\b.*\{\s*$", line):
            current = [line]
        elif current is not None:
            current.append(line)
            if line.rstrip() == "}":
                blocks.append(current)
                current = None
    upstreams = [b for b in blocks if b[0].startswith("upstream")]
    servers = [b for b in blocks if b[0].startswith("server")]
    tls = [b for b in servers if any(re.match(r"\s*listen\s+443\b", line) for line in b)]
    if len(upstreams) != 1 or len(tls) != 1:
        raise AssertionError("deploy/nginx/wnevc.conf: expected one upstream block and one server on 443")

    upstream, options = [], None
    for line in upstreams[0]:
        match = re.match(r"^(\s*)server\s+\S+(.*);", line)
        if match:
            if options is None:
                options = match.group(2)
                upstream += [f"{match.group(1)}server {HOST}:{port}{options};" for port in ports]
            continue
        upstream.append(line)

    replacements = {"/srv/wnevc/static/": f"{static}/", "/srv/wnevc/media/": f"{media}/",
                    "/srv/wnevc/app/deploy/nginx": str(ROOT / "deploy" / "nginx")}
    server, listened = [], False
    for line in tls[0]:
        stripped = line.strip()
        indent = line[: len(line) - len(line.lstrip())]
        if re.match(r"listen\s+", stripped):
            if not listened:
                server.append(f"{indent}listen {HOST}:{NGINX_PORT};")
                listened = True
            continue
        if stripped.startswith("ssl_"):
            continue
        if stripped.startswith("server_name "):
            line = f"{indent}server_name {HOST} localhost;"
        # Browsers send Origin with the port; $host drops it, and Django's CSRF check compares both.
        line = line.replace("proxy_set_header Host $host;", "proxy_set_header Host $http_host;")
        for old, new in replacements.items():
            line = line.replace(old, new)
        server.append(line)
        # add_header in a location replaces the server's add_header lines: repeat it in each.
        if re.match(r"^(server|location)\b.*\{\s*$", stripped):
            server.append(f"{indent}    add_header X-Upstream $upstream_addr always;")
    site = "\n".join(upstream + [""] + server)
    for old, new in replacements.items():
        if new not in site:
            raise AssertionError(f"deploy/nginx/wnevc.conf no longer mentions {old}")
    return site


# --- The database -----------------------------------------------------------------------------

def pg_connect(url, dbname=None):
    import psycopg2  # noqa: PLC0415 -- imported on first use: the preflight check reports a missing package as a problem

    parts = urllib.parse.urlparse(url)
    return psycopg2.connect(host=parts.hostname, port=parts.port or 5432, user=parts.username,
                            password=parts.password, dbname=dbname or parts.path.lstrip("/"), connect_timeout=5)


def recreate_database(url):
    name = urllib.parse.urlparse(url).path.lstrip("/")
    admin = pg_connect(url, "postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()


def query(url, sql, params=()):
    conn = pg_connect(url)
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall() if cursor.description else None
    finally:
        conn.close()


# --- Test data --------------------------------------------------------------------------------

def pdf_bytes(size):
    return b"%PDF-1.4\n" + os.urandom(size)


def png_bytes():
    image = Image.frombytes("RGB", (320, 200), os.urandom(320 * 200 * 3))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def entry_fields(ids, title_en, form_page_fields):
    """A complete self-nominated entry (every field missing_items() asks for), plus the empty
    management forms of the row tables taken from the form page."""
    data = {name: ("0" if name.endswith("-TOTAL_FORMS") else value) for name, value in form_page_fields
            if re.search(r"-(TOTAL|INITIAL|MIN_NUM|MAX_NUM)_FORMS$", name)}
    data.update({
        "category": ids["category"], "technical_field": ids["technical_field"],
        "title_zh_hans": "集群测试技术", "title_en": title_en,
        "org_name_zh_hans": "示例电驱有限公司", "org_name_en": "Example E-Drive Ltd.", "org_country": "DE",
        "org_type": "enterprise", "org_address_en": "1 Example Strasse, Berlin",
        "contact_name": "Anna Schmidt", "contact_position": "CTO", "contact_email": "anna@example.de",
        "contact_mobile": "+49 30 901820", "contact_language": "en",
        "summary_zh_hans": "效率达到97%的电驱系统。", "summary_en": "An e-drive reaching 97% efficiency.",
        "innovations_zh_hans": "1. 碳化硅；2. 油冷；3. 集成。", "innovations_en": "1. SiC; 2. oil cooling; 3. integration.",
        "indicators_text_en": "Efficiency 97% vs 94%.", "maturity": "mass_production",
        "application_en": "In 200,000 vehicles since 2022.", "prospects_zh_hans": "可推广至商用车。",
        "recommended_by": "self",
        "decl_authentic": "on", "decl_no_ip_dispute": "on", "decl_no_classified": "on",
        "consent_publication": "on", "consent_personal_data": "on",
        "signatory_name": "Anna Schmidt", "signatory_position": "CTO",
        "action": "draft",
    })
    return data


def token_uuid(form_token: str) -> str:
    """The UUID the entry stores of an issued form token ("<hex>:<signature>", signed for the user)."""
    return form_token.split(":")[0]


class Nominator:
    """The demo nominator's browser, able to create, fill and submit entries through nginx,
    sending a POST again after a clear error (502/503/504), as the 50x page tells people to."""

    def __init__(self, browser, ids):
        self.browser, self.ids = browser, ids
        page = browser.get("/en/nominations/new/")
        if page.status != 200:
            raise AssertionError(f"/en/nominations/new/ gave {page.status}")
        self.token = csrf_token(page.text)
        form = next(f for f in forms_of(page.text) if any(n == "form_token" for n, _ in f["fields"]))
        self.form_fields = form["fields"]

    def new_form_token(self) -> str:
        """The token the server issues with a new-entry form (signed for this nominator): one per
        form, so that a POST sent again after a lost answer updates the entry the first one made."""
        page = self.browser.get("/en/nominations/new/")
        form = next(f for f in forms_of(page.text) if any(n == "form_token" for n, _ in f["fields"]))
        return dict(form["fields"])["form_token"]

    def post(self, path, fields, files=None, log=None, tries=3):
        """POST until it is accepted (302); returns the final response or None. Each attempt is
        logged as (path, status or 'transport', instance)."""
        fields = {"csrfmiddlewaretoken": self.token, **fields}
        for attempt in range(tries):
            try:
                response = self.browser.post(path, fields, files)
            except TransportError as error:
                if log is not None:
                    log.append({"path": path, "status": "transport", "error": str(error)})
                return None
            if log is not None:
                log.append({"path": path, "status": response.status, "instance": response.upstream,
                            "tries": response.upstream_tries,
                            "nginx_page": "Service temporarily unavailable" in response.text})
            if response.status == 302:
                return response
            if response.status not in CLEAR_ERRORS:
                return None
            time.sleep(0.3 * (attempt + 1))
        return None

    def submit_new_entry(self, title_en, files, log):
        """Create the entry, upload its files, submit it. Returns the entry's id or None."""
        fields = {**entry_fields(self.ids, title_en, self.form_fields), "form_token": self.new_form_token()}
        response = self.post("/en/nominations/new/", fields, log=log)
        match = response and re.search(r"/en/nominations/(\d+)/edit/", response.location)
        if not match:
            return None
        pk = int(match.group(1))
        for kind, (name, content) in files:
            if not self.post(f"/en/nominations/{pk}/attachments/", {"kind": kind}, {"file": (name, content)}, log=log):
                return None
        response = self.post(f"/en/nominations/{pk}/submit/", {}, log=log)
        if not response or not response.location.endswith(f"/en/nominations/{pk}/"):
            return None
        return pk


# --- The checks -------------------------------------------------------------------------------

def check_static(cluster):
    manifest = json.loads((cluster.static / "staticfiles.json").read_text())["paths"]
    hashed = manifest["css/portal.css"]
    browser = Browser()
    css = browser.get(f"/static/{hashed}", headers={"Accept-Encoding": "gzip"})
    plain = (cluster.static / hashed).read_bytes()
    home = browser.get("/en/", headers={"Accept-Encoding": "gzip"})
    protected = browser.get("/protected/entries/1/x.pdf")
    problems = []
    if css.status != 200 or css.headers.get("Content-Encoding") != "gzip":
        problems.append(f"hashed CSS: {css.status} encoding={css.headers.get('Content-Encoding')}")
    elif css.body != (cluster.static / (hashed + ".gz")).read_bytes():
        problems.append("hashed CSS is not WhiteNoise's precompressed .gz")
    if "immutable" not in css.headers.get("Cache-Control", ""):
        problems.append(f"hashed CSS Cache-Control: {css.headers.get('Cache-Control')}")
    if css.upstream:
        problems.append(f"static file came from the app ({css.upstream}), not from nginx")
    if home.status != 200 or home.headers.get("Content-Encoding") != "gzip":
        problems.append(f"home page through nginx: {home.status} encoding={home.headers.get('Content-Encoding')}")
    if protected.status != 404:
        problems.append(f"/protected/ reachable from outside: {protected.status}")
    return not problems, "; ".join(problems) or (
        f"{hashed} ({len(plain)} B, sent gzipped, immutable) from nginx itself; HTML gzipped; /protected/ is 404 from outside")


def check_sessions(cluster, state):
    browser = Browser()
    response = login(browser, "nominator@example.com", PASSWORD)
    if response.status != 302:
        return False, f"login through nginx gave {response.status}"
    seen, anonymous = [], []
    for _ in range(8):
        page = browser.get("/en/nominations/")
        seen.append(page.upstream)
        if page.status != 200 or 'action="/en/accounts/logout/"' not in page.text:
            anonymous.append((page.upstream, page.status))
    state["nominator_cookies"] = dict(browser.cookies)
    detail = f"8 requests to /en/nominations/ served by {_count(seen)}"
    if anonymous:
        return False, f"{detail}; not logged in on {anonymous}"
    if set(seen) != {str(p) for p in APP_PORTS}:
        return False, f"{detail}: not spread over both instances"
    return True, detail + ", all logged in"


def check_lockout(cluster):
    browser = Browser()
    email = "expert2@example.com"
    page = browser.get("/en/accounts/login/")
    token, attempts = csrf_token(page.text), []
    for _ in range(LOCKOUT_LIMIT):
        response = browser.post("/en/accounts/login/", {"csrfmiddlewaretoken": token, "username": email,
                                                        "password": "wrong-" + secrets.token_hex(4)})
        attempts.append((response.upstream, response.status))
        if response.status == 200:
            token = csrf_token(response.text)
    right = browser.post("/en/accounts/login/", {"csrfmiddlewaretoken": token, "username": email, "password": PASSWORD})
    attempts.append((right.upstream, right.status))
    detail = (f"AXES_FAILURE_LIMIT={LOCKOUT_LIMIT}: failures answered (instance, status) {attempts[:-1]}, "
              f"then the right password {attempts[-1]}")
    statuses = [s for _, s in attempts]
    expected = [200] * (LOCKOUT_LIMIT - 1) + [429, 429]
    spread = {u for u, _ in attempts[:-1]} == {str(p) for p in APP_PORTS}
    return statuses == expected and spread, detail + ("" if spread else "; failures not spread over both instances")


def check_lockout_per_address(cluster):
    """The lockout is per e-mail address *and client address* (settings.py): after check (b) has
    locked expert2 for 127.0.0.1, the right password from 127.0.0.2 must still work."""
    browser = Browser(source=OTHER_CLIENT)
    response = login(browser, "expert2@example.com", PASSWORD)
    rows = query(cluster.args.database_url, "SELECT DISTINCT ip_address FROM axes_accessattempt")
    recorded = sorted(str(r[0]) for r in rows)
    ok = response.status == 302
    detail = (f"from {OTHER_CLIENT}: status {response.status}; django-axes recorded the failures for client "
              f"address(es) {recorded}")
    if not ok:
        detail += (" — axes keys the lockout on REMOTE_ADDR (nginx), not on X-Forwarded-For: AXES_IPWARE_* only "
                   "apply with django-ipware installed, which it is not; behind nginx one client can lock an "
                   "account for everybody")
    return ok, detail


def _password_resets(browser, count):
    """`count` password-reset requests (unknown addresses: no e-mail is sent) after one GET of
    the form, so that nginx's round robin alternates the POSTs between the instances."""
    token = csrf_token(browser.get("/en/accounts/password/reset/").text)
    return [browser.post("/en/accounts/password/reset/", {"csrfmiddlewaretoken": token,
                                                          "email": f"nobody-{secrets.token_hex(4)}@example.com"})
            for _ in range(count)]


def check_rate_limit(cluster):
    attempts = [(r.upstream, r.status) for r in _password_resets(Browser(), RESET_LIMIT + 1)]
    statuses = [s for _, s in attempts]
    expected = [302] * RESET_LIMIT + [429]
    spread = {u for u, _ in attempts[:-1]} == {str(p) for p in APP_PORTS}
    detail = f"RATE_LIMIT_PASSWORD_RESET={RESET_LIMIT}: (instance, status) {attempts}"
    return statuses == expected and spread, detail + ("" if spread else "; not spread over both instances")


def check_rate_limit_per_address(cluster):
    response, = _password_resets(Browser(source=OTHER_CLIENT), 1)
    return response.status == 302, f"password reset from {OTHER_CLIENT} after {HOST} was limited: {response.status}"


def check_files(cluster, state):
    ids = state["ids"]
    nominator = Nominator(Browser(cookies=state["nominator_cookies"]), ids)
    files = {"技术报告 report.pdf": pdf_bytes(1_500_000), "motor.png": png_bytes(), "test-report.pdf": pdf_bytes(300_000)}
    kinds = {"技术报告 report.pdf": "report", "motor.png": "image", "test-report.pdf": "test_report"}
    log = []
    pk = nominator.submit_new_entry("Cluster entry " + secrets.token_hex(3),
                                    [(kinds[n], (n, c)) for n, c in files.items()], log)
    if pk is None:
        return False, f"creating/uploading/submitting through nginx failed: {log}"
    created_on = _count(a.get("instance") for a in log)
    problems, notes = [], []
    state["entry"] = pk
    x_accel = 0
    for port in APP_PORTS:
        direct = Browser(port, cookies=state["nominator_cookies"])
        page = direct.get(f"/en/nominations/{pk}/")
        reference = re.search(r"<code>(WNEVC\d{4}-[A-Z]{2}-\d{4})</code>", page.text)
        if page.status != 200 or not reference:
            problems.append(f"entry page on {port}: {page.status}, reference {'found' if reference else 'missing'}")
            continue
        links = {html.unescape(name): int(att) for att, name in
                 re.findall(r'href="/en/nominations/files/(\d+)/">([^<]+)</a>', page.text)}
        if set(links) != set(files):
            problems.append(f"files listed on {port}: {sorted(links)}")
            continue
        for name, att in links.items():
            response = direct.get(f"/en/nominations/files/{att}/")
            accel = response.headers.get("X-Accel-Redirect")
            if response.status != 200:
                problems.append(f"{name} on {port}: {response.status}")
            elif accel:
                x_accel += 1
                path = cluster.media / urllib.parse.unquote(accel.removeprefix("/protected/"))
                if not accel.startswith("/protected/") or response.body or not path.is_file() \
                        or path.read_bytes() != files[name]:
                    problems.append(f"{name} on {port}: X-Accel-Redirect {accel} does not lead to its bytes")
            elif response.body != files[name]:
                problems.append(f"{name} on {port}: {len(response.body)} bytes, not the uploaded ones")
        anonymous = Browser(port).get(f"/en/nominations/files/{next(iter(links.values()))}/")
        if anonymous.status != 302:
            problems.append(f"anonymous download on {port}: {anonymous.status}")
        state["reference"] = reference.group(1)
        state["files"] = links
    # Through nginx, until each file has been served by both instances.
    browser = Browser(cookies=state["nominator_cookies"])
    for name, att in state.get("files", {}).items():
        served = set()
        for _ in range(6):
            response = browser.get(f"/en/nominations/files/{att}/")
            served.add(response.upstream)
            disposition = response.headers.get("Content-Disposition", "")
            if response.status != 200 or response.body != files[name]:
                problems.append(f"{name} through nginx: {response.status}, {len(response.body)} bytes")
                break
            if (response.headers.get("X-Content-Type-Options") != "nosniff"
                    or "sandbox" not in response.headers.get("Content-Security-Policy", "")
                    or not disposition.startswith("attachment")):
                problems.append(f"{name} through nginx lacks its safety headers: {dict(response.headers)}")
                break
            if served >= {str(p) for p in APP_PORTS}:
                break
        else:
            notes.append(f"{name} served by {sorted(filter(None, served))} only")
    mode = (f"X-Accel-Redirect on both instances ({x_accel} downloads), bytes sent by nginx from the shared "
            "MEDIA_ROOT" if x_accel else "files streamed by each instance from the shared MEDIA_ROOT")
    detail = (f"entry {state.get('reference')} created and submitted through nginx (POSTs by {created_on}); "
              f"entry page and {len(files)} files read directly on {APP_PORTS[0]} and {APP_PORTS[1]}: {mode}; "
              "through nginx: same bytes, attachment, nosniff, CSP sandbox")
    if problems or notes:
        detail = "; ".join(problems + notes) + " | " + detail
    return not problems, detail


def check_page_cache(cluster, state):
    url = cluster.args.database_url
    (edition, title), = query(url, "SELECT id, title_en FROM submissions_edition ORDER BY year DESC LIMIT 1")
    reader = APP_PORTS[1]

    def home():
        return Browser(reader).get("/en/")  # an anonymous visitor: no cookies, cacheable

    first = home()
    if html.escape(title) not in first.text:
        return False, f"home page on {reader} does not show the edition title {title!r}"
    # A change that bypasses the signals must stay invisible while the page is cached: proves
    # the cache is really in use, so that what follows tests its invalidation.
    query(url, "UPDATE submissions_edition SET title_en = %s WHERE id = %s", (title + " (silent)", edition))
    cached = html.escape(title + " (silent)") not in home().text
    organiser = Browser(APP_PORTS[0])
    response = login(organiser, "organiser@example.com", PASSWORD, admin=True)
    if response.status != 302:
        return False, f"organiser admin login on {APP_PORTS[0]}: {response.status}"
    change = f"/admin/submissions/edition/{edition}/change/"
    page = organiser.get(change)
    form = next((f for f in forms_of(page.text) if f["attrs"].get("id") == "edition_form"), None)
    if page.status != 200 or form is None:
        return False, f"admin change form on {APP_PORTS[0]}: {page.status}"
    new_title = "Cluster edition " + secrets.token_hex(4)
    fields = [(n, v) for n, v in form["fields"] if n != "title_en"] + [("title_en", new_title), ("_save", "Save")]
    body = urllib.parse.urlencode(fields).encode()
    saved = organiser.request("POST", change, body=body,
                              headers={"Content-Type": "application/x-www-form-urlencoded"})
    if saved.status != 302:
        errors = re.findall(r'class="errorlist[^"]*"[^>]*>(.*?)</ul>', saved.text, re.S)
        return False, f"admin save on {APP_PORTS[0]}: {saved.status} {errors[:3]}"
    after = home()
    shown = new_title in after.text
    detail = (f"home page on {reader} cached (a signal-less UPDATE stayed invisible: {cached}); organiser saved "
              f"the title in the admin on {APP_PORTS[0]}; next visitor on {reader} sees the new title: {shown}")
    return cached and shown, detail


def check_failover(cluster, state, seconds):
    """GETs and submissions through nginx while one instance is killed (SIGKILL, as a crash)."""
    ids, cookies = state["ids"], state["nominator_cookies"]
    marker = "Failover " + secrets.token_hex(3)
    stop = threading.Event()
    gets, flows, lock = [], [], threading.Lock()
    victim, survivor = APP_PORTS
    report_pdf, image = pdf_bytes(400_000), png_bytes()

    def getter(path, with_cookies):
        browser = Browser(cookies=cookies if with_cookies else None)
        while not stop.is_set():
            try:
                response = browser.get(path)
                outcome = (response.status, response.upstream_tries)
            except TransportError as error:
                outcome = (f"transport: {error}", [])
            with lock:
                gets.append((time.monotonic(), *outcome))
            time.sleep(0.02)

    def submitter(number):
        count = 0
        try:
            nominator = Nominator(Browser(cookies=cookies), ids)
            while not stop.is_set():
                log = []
                count += 1
                pk = nominator.submit_new_entry(f"{marker} {number}-{count}", [
                    ("report", ("report.pdf", report_pdf)), ("image", ("photo.png", image))], log)
                with lock:
                    flows.append({"pk": pk, "log": log})
        except Exception as error:  # noqa: BLE001 - counted as a lost submission below
            with lock:
                flows.append({"pk": None, "log": [{"path": "?", "status": f"{type(error).__name__}: {error}"}]})

    threads = [threading.Thread(target=getter, args=("/en/", False)),
               threading.Thread(target=getter, args=("/en/nominations/", True)),
               threading.Thread(target=submitter, args=(1,)), threading.Thread(target=submitter, args=(2,))]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    time.sleep(seconds * 0.35)
    killed_at = time.monotonic()
    cluster.kill_app(victim, signal.SIGKILL)
    time.sleep(seconds * 0.65)
    stop.set()
    for thread in threads:
        thread.join(timeout=60)

    bad_gets = [g for g in gets if g[1] != 200]
    retried_gets = sum(1 for g in gets if g[1] == 200 and len(g[2]) > 1)
    after_kill = [g for g in gets if g[0] > killed_at + 0.5]
    posts = [a for f in flows for a in f["log"]]
    clear = [a for a in posts if a["status"] in CLEAR_ERRORS]
    unclear = [a for a in posts if a["status"] != 302 and a["status"] not in CLEAR_ERRORS]
    done = [f["pk"] for f in flows if f["pk"]]
    rows = query(cluster.args.database_url,
                 "SELECT e.id, e.status, e.reference, e.form_token, "
                 "  (SELECT count(*) FROM submissions_attachment a WHERE a.entry_id = e.id AND a.kind = 'report'), "
                 "  (SELECT count(*) FROM submissions_attachment a WHERE a.entry_id = e.id AND a.kind = 'image') "
                 "FROM submissions_entry e WHERE e.title_en LIKE %s", (marker + " %",))
    in_db = sorted(r[0] for r in rows)
    not_submitted = [r[0] for r in rows if r[1] != "submitted"]
    duplicate_files = [r[0] for r in rows if (r[4], r[5]) != (1, 1)]
    references = [r[2] for r in rows]
    problems = []
    if bad_gets:
        problems.append(f"{len(bad_gets)} GETs failed, e.g. {bad_gets[:3]}")
    if unclear:
        problems.append(f"POSTs without a clear answer: {unclear[:3]}")
    if any(a["status"] in {502, 504} and not a["nginx_page"] for a in clear):
        problems.append("a 502/504 came without the bilingual page deploy/nginx/50x.html")
    if len(done) != len(flows):
        problems.append(f"{len(flows) - len(done)} submissions did not go through after retrying")
    if in_db != sorted(done):
        problems.append(f"entries in the database {in_db} != submissions acknowledged {sorted(done)}")
    if not_submitted:
        problems.append(f"entries left unsubmitted: {not_submitted}")
    if len(set(references)) != len(references) or len({r[3] for r in rows}) != len(rows):
        problems.append("duplicate reference numbers or form tokens")
    if not any(g[2] and g[2][-1].endswith(str(victim)) for g in gets if g[0] < killed_at):
        problems.append(f"{victim} served nothing before it was killed")
    if any(g[2] and g[2][-1].endswith(str(victim)) for g in after_kill):
        problems.append(f"nginx still answered from {victim} after the kill")
    detail = (f"{victim} killed at {killed_at - began:.1f} s of {seconds:.0f} s: {len(gets)} GETs, all 200 "
              f"({retried_gets} retried by nginx on {survivor}); {len(flows)} submissions with {len(posts)} POSTs, "
              + (f"{len(clear)} answered {sorted({a['status'] for a in clear})} by nginx (50x page) and sent "
                 "again successfully" if clear else "none answered by nginx's 50x page")
              + f"; {len(in_db)} entries in the database = {len(done)} acknowledged, all submitted, "
              "no duplicates")
    if duplicate_files:
        detail += (f"; WARNING entries {duplicate_files} got an attachment twice: an upload saved just before the "
                   "crash was answered 502 and sent again (uploads are not idempotent)")
    state["failover"] = {"gets": len(gets), "gets_retried_by_nginx": retried_gets, "bad_gets": bad_gets[:10],
                         "submissions": len(flows), "posts": len(posts), "posts_clear_error": len(clear),
                         "posts_unclear": unclear[:10], "entries_in_db": len(in_db),
                         "duplicate_attachments": duplicate_files}
    if problems:
        return False, "; ".join(problems) + " | " + detail
    return True, detail


def check_replay(cluster, state):
    """Each step of a submission, done by an instance whose answer never arrives, then sent again
    through nginx as the nominator would after a 502: it must take effect once."""
    url, ids, cookies = cluster.args.database_url, state["ids"], state["nominator_cookies"]
    nominator = Nominator(Browser(cookies=cookies), ids)
    lost = Browser(APP_PORTS[0], cookies=cookies)
    token = {"csrfmiddlewaretoken": nominator.token}

    def replay(path, fields, files, probe, expected):
        lost.post_and_hang_up(path, {**token, **fields}, files)
        deadline = time.monotonic() + 15
        while query(url, *probe)[0][0] != expected and time.monotonic() < deadline:
            time.sleep(0.1)
        done_once = query(url, *probe)[0][0] == expected
        again = nominator.browser.post(path, {**token, **fields}, files)
        return done_once, again, query(url, *probe)[0][0]

    results, problems = [], []
    fields = {**entry_fields(ids, "Replay " + secrets.token_hex(3), nominator.form_fields),
              "form_token": nominator.new_form_token()}
    by_token = ("SELECT count(*) FROM submissions_entry WHERE form_token = %s", (token_uuid(fields["form_token"]),))
    done, again, count = replay("/en/nominations/new/", fields, None, by_token, 1)
    results.append(f"create: {count} entry, answer to the resend {again.status}")
    if not (done and again.status == 302 and count == 1):
        problems.append(f"create sent twice: {count} entries, resend {again.status}")
        return False, "; ".join(problems)
    (pk,), = query(url, "SELECT id FROM submissions_entry WHERE form_token = %s", (token_uuid(fields["form_token"]),))
    # A report replaces the previous one; images (up to 5) and supporting PDFs accumulate.
    if not nominator.post(f"/en/nominations/{pk}/attachments/", {"kind": "report"},
                          {"file": ("report.pdf", pdf_bytes(200_000))}):
        return False, "report upload failed"
    images = ("SELECT count(*) FROM submissions_attachment WHERE entry_id = %s AND kind = 'image'", (pk,))
    done, again, count = replay(f"/en/nominations/{pk}/attachments/", {"kind": "image"},
                                {"file": ("photo.png", png_bytes())}, images, 1)
    results.append(f"image upload: {count} image(s), answer to the resend {again.status}")
    if not (done and again.status < 500 and count == 1):
        problems.append(f"an image upload sent again is stored again: {count} copies (the attachment form has no "
                        "token like the entry form's form_token; images and supporting PDFs accumulate)")
    submitted = ("SELECT count(*) FROM submissions_statuschange WHERE entry_id = %s AND to_status = 'submitted'", (pk,))
    done, again, count = replay(f"/en/nominations/{pk}/submit/", {}, None, submitted, 1)
    (status, reference), = query(url, "SELECT status, reference FROM submissions_entry WHERE id = %s", (pk,))
    (mails,), = query(url, "SELECT count(*) FROM submissions_outgoingmail WHERE subject LIKE %s", (f"%{reference}%",))
    results.append(f"submit: {status} {reference}, {count} status change, {mails} confirmation mail(s), "
                   f"answer to the resend {again.status}")
    if not (done and again.status == 302 and status == "submitted" and count == 1 and mails == 1):
        problems.append(f"submit sent twice: {count} status changes, {mails} mails")
    detail = "; ".join(results)
    return not problems, ("; ".join(problems) + " | " + detail) if problems else detail


def measure(seconds, cookies, entry_page, clients=8):
    """`clients` keep-alive clients through nginx for `seconds`: half of them anonymous on the
    home page, half logged in on the nominator's entry page (the list would grow with (f))."""
    stop_at = time.monotonic() + seconds
    results = {"home": [], "entry": []}
    errors, instances, lock = [], {}, threading.Lock()

    def worker(path, name, with_cookies):
        headers = {"Accept-Language": "en", "User-Agent": "wnevc-cluster-load"}
        if with_cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        conn = http.client.HTTPConnection(HOST, NGINX_PORT, timeout=30)
        latencies, local_errors, seen = [], 0, {}
        while time.monotonic() < stop_at:
            start = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                local_errors += 1
                conn.close()
                conn = http.client.HTTPConnection(HOST, NGINX_PORT, timeout=30)
                continue
            if response.status != 200:
                local_errors += 1
                continue
            latencies.append(time.perf_counter() - start)
            instance = (response.getheader("X-Upstream") or "?").rsplit(":", 1)[-1]
            seen[instance] = seen.get(instance, 0) + 1
        conn.close()
        with lock:
            results[name].extend(latencies)
            errors.append(local_errors)
            for key, value in seen.items():
                instances[key] = instances.get(key, 0) + value

    threads = [threading.Thread(target=worker, args=("/en/", "home", False)) if i % 2 == 0 else
               threading.Thread(target=worker, args=(entry_page, "entry", True)) for i in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    out = {"seconds": round(elapsed, 2), "errors": sum(errors), "instances": instances}
    for name, latencies in results.items():
        ordered = sorted(latencies)
        out[name] = {"rps": round(len(latencies) / elapsed, 1), "requests": len(latencies),
                     "p50_ms": round(1000 * ordered[len(ordered) // 2], 1) if ordered else None}
    out["rps"] = round(sum(len(v) for v in results.values()) / elapsed, 1)
    return out


def check_throughput(cluster, state, seconds):
    """The same load with nginx sending everything to one instance, then to both; alternated in
    two rounds so that machine drift affects both set-ups alike."""
    cookies, entry_page = state["nominator_cookies"], f"/en/nominations/{state['entry']}/"
    victim, survivor = APP_PORTS
    if victim not in cluster.apps:
        cluster.start_app(victim)  # back after the failover check
    runs = {"one": [], "two": []}
    for _ in range(2):
        for setup, ports in (("one", (survivor,)), ("two", APP_PORTS)):
            cluster.reload_nginx(ports)
            measure(0.5, cookies, entry_page)  # warm up connections and caches
            runs[setup].append(measure(seconds / 2, cookies, entry_page))
    summary = {}
    for setup, parts in runs.items():
        total = sum(p["seconds"] for p in parts)
        summary[setup] = {
            "rps": round(sum(p["rps"] * p["seconds"] for p in parts) / total, 1),
            "home_rps": round(sum(p["home"]["rps"] * p["seconds"] for p in parts) / total, 1),
            "entry_rps": round(sum(p["entry"]["rps"] * p["seconds"] for p in parts) / total, 1),
            "errors": sum(p["errors"] for p in parts),
            "instances": _merge(p["instances"] for p in parts), "runs": parts}
    state["throughput"] = summary
    one, two = summary["one"], summary["two"]
    errors = one["errors"] + two["errors"]
    detail = (f"8 keep-alive clients, {seconds:.0f} s each: one instance {one['rps']} req/s "
              f"(home {one['home_rps']}, logged-in entry page {one['entry_rps']}), two instances {two['rps']} req/s "
              f"(home {two['home_rps']}, logged-in entry page {two['entry_rps']}, served by {two['instances']}); "
              f"ratio {two['rps'] / one['rps']:.2f}" if one["rps"] else "no request succeeded")
    used_both = all(two["instances"].get(str(p)) for p in APP_PORTS)
    return errors == 0 and used_both and one["rps"] > 0, detail + (f"; {errors} errors" if errors else "")


def _count(values):
    counts = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return counts


def _merge(dicts):
    out = {}
    for d in dicts:
        for key, value in d.items():
            out[key] = out.get(key, 0) + value
    return out


# --- Main -------------------------------------------------------------------------------------

def preflight(args):
    problems = []
    if not os.access(NGINX, os.X_OK):
        problems.append(f"{NGINX} is missing (apt-get install nginx-light)")
    for port in (NGINX_PORT, *APP_PORTS):
        with socket.socket() as probe:
            if probe.connect_ex((HOST, port)) == 0:
                problems.append(f"port {port} is already in use")
    try:
        import redis  # noqa: PLC0415 -- imported here so that a missing package is reported with the other preflight problems

        redis.Redis.from_url(args.redis_url, socket_timeout=3).ping()
    except Exception as error:  # noqa: BLE001
        problems.append(f"Redis at {args.redis_url}: {error}")
    try:
        pg_connect(args.database_url, "postgres").close()
    except Exception as error:  # noqa: BLE001
        problems.append(f"PostgreSQL at {args.database_url}: {error}".strip())
    return problems


def main():
    args = parse_args()
    started = time.monotonic()
    report = Report()
    if problems := preflight(args):
        for problem in problems:
            print(f"FAIL preflight: {problem}")
        return 2
    cluster = Cluster(args)
    state = {}
    timings = {}

    def left():
        return args.deadline - (time.monotonic() - started)

    # A last resort if something hangs despite the timeouts: stop everything we started.
    def watchdog():
        print(f"FAIL deadline: {args.deadline:.0f} s passed; stopping everything", flush=True)
        for process in cluster.all_processes():
            _signal_group(process, signal.SIGKILL)
        os._exit(3)

    timer = threading.Timer(args.deadline + 30, watchdog)
    timer.daemon = True
    timer.start()
    try:
        import redis  # noqa: PLC0415 -- as in preflight(): a missing package is reported, not a traceback

        redis.Redis.from_url(args.redis_url).flushdb()
        recreate_database(args.database_url)
        cluster.manage("migrate", "--noinput", "-v0")
        cluster.manage("collectstatic", "--noinput", "-v0")
        cluster.manage("seed_demo")
        ids = query(args.database_url, "SELECT (SELECT id FROM submissions_category WHERE code = 'innovative'), "
                                       "(SELECT min(id) FROM submissions_technicalfield)")[0]
        state["ids"] = {"category": str(ids[0]), "technical_field": str(ids[1])}
        timings["setup_s"] = round(time.monotonic() - started, 1)
        for port in APP_PORTS:
            cluster.start_app(port)
        cluster.start_nginx(APP_PORTS)
        timings["started_s"] = round(time.monotonic() - started, 1)
        print(f"--- cluster up in {timings['started_s']} s: nginx {HOST}:{NGINX_PORT} -> {APP_PORTS}, "
              f"temporary files in {cluster.tmp}", flush=True)

        report.run("(s) nginx serves static files and hides /protected/", check_static, cluster)
        if not report.run("(a) session holds on both instances", check_sessions, cluster, state):
            raise RuntimeError("the remaining checks need a logged-in nominator")
        report.run("(b) login lockout counts across instances", check_lockout, cluster)
        report.run("(b') lockout is per client address behind nginx", check_lockout_per_address, cluster)
        report.run("(c) rate limit counts across instances", check_rate_limit, cluster)
        report.run("(c') rate limit is per client address behind nginx", check_rate_limit_per_address, cluster)
        report.run("(d) submitted entry and files readable on both instances", check_files, cluster, state)
        report.run("(e) admin change on one instance invalidates the cached page on the other", check_page_cache,
                   cluster, state)
        needed = args.failover_seconds + args.load_seconds * 1.5 + 30
        if left() < needed:
            raise RuntimeError(f"{left():.0f} s left of the deadline, {needed:.0f} s needed for (f) and (g)")
        report.run("(f') a step re-sent after its answer was lost takes effect once", check_replay, cluster, state)
        report.run("(f) one instance killed under load: GETs go on, no submission lost", check_failover,
                   cluster, state, args.failover_seconds)
        report.run("(g) throughput through nginx, one vs two instances", check_throughput, cluster, state,
                   args.load_seconds)
    except Exception as error:  # noqa: BLE001 - reported as a failure, then everything is stopped
        report.add("run", False, f"{type(error).__name__}: {error}")
    finally:
        cluster.stop()
        timer.cancel()
    seconds = round(time.monotonic() - started, 1)
    if report.failed:
        for name in ("nginx-error.log", *[f"gunicorn-{p}.log" for p in APP_PORTS]):
            print(f"--- {name} (last lines)\n{cluster.tail(name, 15)}")
    result = {"checks": report.checks, "throughput": state.get("throughput"), "failover": state.get("failover"),
              "timings": {**timings, "total_s": seconds},
              "settings": {"instances": list(APP_PORTS), "nginx": NGINX_PORT, "workers_per_instance": 2,
                           "threads_per_worker": 2, "x_accel_redirect": not args.no_x_accel,
                           "axes_failure_limit": LOCKOUT_LIMIT, "rate_limit_password_reset": RESET_LIMIT,
                           "database": urllib.parse.urlparse(args.database_url)._replace(netloc="…").geturl(),
                           "redis": args.redis_url}}
    Path(args.output).write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str))
    print(f"\n{len(report.checks) - len(report.failed)} of {len(report.checks)} checks passed in {seconds} s; "
          f"results in {os.path.relpath(args.output, ROOT)}")
    if args.keep:
        print(f"logs and configs kept in {cluster.tmp}")
    else:
        shutil.rmtree(cluster.tmp, ignore_errors=True)
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
