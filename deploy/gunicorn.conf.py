"""Gunicorn settings for one WNEVC app server (`gunicorn -c deploy/gunicorn.conf.py`).

Everything that differs between machines comes from the environment (deploy/env.example):

    GUNICORN_BIND            address:port nginx proxies to, e.g. 10.0.0.11:8001 (default 127.0.0.1:8001)
    GUNICORN_WORKERS         processes (default 2 × CPU cores + 1)
    GUNICORN_THREADS         threads per process (default 2)
    GUNICORN_TIMEOUT         seconds before a silent worker is killed (default 60)
    GUNICORN_ACCESSLOG       file or "-" for stdout/journald (default "-")
    GUNICORN_CONTROL_SOCKET  path of gunicorn's control socket (default: none)
    FORWARDED_ALLOW_IPS      nginx's address, read by gunicorn itself (default 127.0.0.1,::1)

Each thread holds its own PostgreSQL connection (CONN_MAX_AGE), so all app servers together use up
to servers × workers × threads connections: keep that below PostgreSQL's max_connections.

Deploying new code without downtime: `systemctl reload wnevc` sends SIGHUP. Gunicorn re-reads this
file, starts fresh workers (they import the new code, since the application is not preloaded) and
lets the old ones finish their requests within graceful_timeout. A HUP does not re-read
/etc/wnevc/env (the environment is the master's) nor upgrade gunicorn itself: for those, restart
the servers one at a time; nginx sends the traffic to the other one meanwhile.
"""

import os
from pathlib import Path


def _int(name, default):
    return int(os.environ.get(name) or default)


chdir = str(Path(__file__).resolve().parent.parent)  # the project: manage.py, wnevc_portal/
wsgi_app = "wnevc_portal.wsgi:application"

bind = [os.environ.get("GUNICORN_BIND") or "127.0.0.1:8001"]
# os.sched_getaffinity counts the cores this process may use (containers, CPUAffinity=).
workers = _int("GUNICORN_WORKERS", 2 * len(os.sched_getaffinity(0)) + 1)
# gthread: a worker keeps serving while one thread waits on PostgreSQL or writes an upload.
worker_class = "gthread"
threads = _int("GUNICORN_THREADS", 2)
# A gthread worker keeps accepting keep-alive connections while its threads are busy (default
# 1,000), so one worker can take all the load while the other idles (measured by bench/load.py).
worker_connections = _int("GUNICORN_WORKER_CONNECTIONS", 2 * threads)
timeout = _int("GUNICORN_TIMEOUT", 60)
# systemd's TimeoutStopSec (wnevc.service) must be longer than this.
graceful_timeout = 30
# nginx opens one connection per request (Connection: close, see deploy/nginx/wnevc.conf), so
# no slot of worker_connections is held by an idle connection. For a client that reaches gunicorn
# directly and keeps its connection open, a short idle time frees the slot.
keepalive = 2
# Recycle each worker after about 1,000 requests, staggered so the workers do not all restart at once.
max_requests = 1000
max_requests_jitter = 100

# The client address is the one nginx puts in X-Forwarded-For (the app reads it with BEHIND_PROXY=1).
# The request ID lets you find the same request in nginx's log.
accesslog = os.environ.get("GUNICORN_ACCESSLOG") or "-"
access_log_format = ('%({x-forwarded-for}i)s "%(r)s" %(s)s %(B)s %(M)sms '
                     '"%(f)s" "%(a)s" id=%({x-request-id}i)s pid=%(p)s')
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL") or "info"

# gunicorn ≥ 25 opens a control socket in $HOME by default. Two instances on one host would
# share it, so use it only when given a path (wnevc.service: /run/wnevc/gunicorn.ctl).
if os.environ.get("GUNICORN_CONTROL_SOCKET"):
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]
else:
    control_socket_disable = True

# A worker's heartbeat file is touched continuously; keep it in memory, not on a slow disk.
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"
proc_name = "wnevc"
