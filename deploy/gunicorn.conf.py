"""gunicorn settings for production: `gunicorn -c deploy/gunicorn.conf.py 'app:create_app()'`."""

import multiprocessing
import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
# Threads let a worker keep serving cached secrets while another request waits on ChatKit.
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = 60  # above the upstream read timeout plus retries
graceful_timeout = 30
keepalive = 5
max_requests = 10000
max_requests_jitter = 1000
# Access logs carry paths and status only: no query strings (they can name a user's thread).
accesslog = "-"
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms'
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

# Metrics across workers: each writes its samples under PROMETHEUS_MULTIPROC_DIR (a private
# folder unless set); the master clears it at start, forgets dead workers, serves METRICS_PORT.
from chatkit_bff.observability import gunicorn_hooks  # noqa: E402

gunicorn_hooks.ensure_multiproc_dir()
on_starting = gunicorn_hooks.on_starting
when_ready = gunicorn_hooks.when_ready
child_exit = gunicorn_hooks.child_exit
if gunicorn_hooks.json_logs():
    accesslog = None  # the app writes one JSON access line per request, with its request id
    logconfig_dict = gunicorn_hooks.JSON_LOG_CONFIG
