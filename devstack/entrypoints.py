"""How the worker and the web layer are started: the local run, the benchmark and the
production compose file (docker-compose.yml, checked by tests/test_deployment.py) use
these same entry points."""

from __future__ import annotations

# Run as `python worker.py` from the repository's root (the image's /app).
WORKER_SCRIPT = "worker.py"
# The ASGI app uvicorn serves.
WEB_APP = "api.app:app"
# Task links carry their token in the path: uvicorn's access log stays off everywhere.
WEB_OPTIONS = ("--no-access-log",)
