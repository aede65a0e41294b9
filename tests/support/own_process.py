"""Run the app in a process of its own against one REDIS_URL, and read what it saw.

flask-limiter keeps one storage, with its connection options, per process: an app with
another Redis (TLS files, other credentials, a Sentinel service) needs a process of its own.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]

#: Signs in, mints twice (the second from the cache, both counted by the limiter), asks the
#: doctor; prints the statuses, whether the secret was reused, and the doctor's report.
MINT_TWICE = """
import json, sys
from app import create_app
from tests.support.flows import signed_in
app = create_app(json.loads(sys.argv[1]))
api = signed_in(app.test_client())
first, second = api.new_secret(), api.new_secret()
doctor = app.test_cli_runner().invoke(args=["doctor"])
print(json.dumps({
    "statuses": [first.status_code, second.status_code],
    "same_secret": first.get_json() == second.get_json(),
    "doctor": doctor.output,
}))
app.extensions["chatkit_bff"].close()
"""

#: A visitor who tries to sign in, the readiness probe and the doctor, while Redis cannot be
#: used; the log (stderr) says why.
UNREACHABLE = """
import json, sys
from app import create_app
from tests.support.flows import dev_sign_in
app = create_app(json.loads(sys.argv[1]))
sign_in = dev_sign_in(app.test_client())
ready = app.test_client().get("/readyz")
doctor = app.test_cli_runner().invoke(args=["doctor"])
print(json.dumps({
    "sign_in": [sign_in.status_code, sign_in.get_data(as_text=True)],
    "ready": ready.status_code,
    "doctor": doctor.output,
}))
app.extensions["chatkit_bff"].close()
"""


def run_app(
    app_config: dict[str, Any], redis_url: str, script: str = MINT_TWICE
) -> tuple[dict[str, Any], str]:
    """What `script` printed last (JSON), and the app's log."""
    done = subprocess.run(
        [sys.executable, "-c", script, json.dumps({**app_config, "REDIS_URL": redis_url})],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1]), done.stderr
