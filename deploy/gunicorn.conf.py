"""gunicorn settings for production: `gunicorn -c deploy/gunicorn.conf.py 'app:create_app()'`."""

import multiprocessing
import os

from gunicorn.glogging import Logger

from chatkit_bff.access_log import escape_log_value

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
# Threads let a worker keep serving cached secrets while another request waits on ChatKit. At
# most UPSTREAM_CONCURRENCY (5) of them wait on ChatKit at once; the others stay free for probes
# and pages (bench/slow_upstream_bench.py: /healthz p99 under 100 ms with 8, not with 4).
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
timeout = 60  # above the upstream deadline
graceful_timeout = 30
# Seconds an idle connection stays open. Behind a load balancer that keeps its own connections
# to the app open (AWS ALB: 60 s idle), set it above the balancer's idle timeout, or the
# balancer may send a request on a connection gunicorn is closing and answer it with a 502.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
max_requests = 10000
max_requests_jitter = 1000
# Access logs carry paths and status only: no query strings (they can name a user's thread).
accesslog = os.environ.get("ACCESS_LOG", "-")
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms'
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# No control socket in $HOME (gunicorn 23+): nothing here uses it, and processes would share it.
control_socket_disable = True


class SafeAccessLogger(Logger):  # type: ignore[misc]
    """gunicorn's logger, with control characters in logged values escaped.

    `%(U)s` is the percent-decoded path, so `/x%0d%0aX-Evil:1` would otherwise start a line.
    """

    def atoms(self, resp, req, environ, request_time):  # type: ignore[no-untyped-def]
        values = super().atoms(resp, req, environ, request_time)
        return {k: escape_log_value(v) if isinstance(v, str) else v for k, v in values.items()}


logger_class = SafeAccessLogger


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
