"""How the worker and the web layer are started: the local run, the benchmark and the
production compose file (docker-compose.yml, checked by tests/test_deployment.py) use
these same entry points."""

from __future__ import annotations

# Run as `python worker.py` from the repository's root (the image's /app).
WORKER_SCRIPT = "worker.py"
# The ASGI app uvicorn serves.
WEB_APP = "api.app:app"
# Task links carry their token in the path: no access log. X-Forwarded-For is believed by
# the app, from IKU_TRUSTED_PROXIES only, never by uvicorn itself. The event loop and HTTP
# parser in C, named so that one missing stops the start rather than slowing every request
# (a decision's web/SDK p50 held at 1.25-1.29 with them, 1.26-1.35 without: README, "Benchmark").
WEB_OPTIONS = ("--no-access-log", "--no-proxy-headers", "--loop=uvloop", "--http=httptools")
