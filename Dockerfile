# One image for the worker and the web layer (two commands), built from the lock file.
#
#   docker build -t iku:$(git describe --tags --always) .
#   docker run iku python worker.py
#   docker run iku uvicorn api.app:app --host 0.0.0.0 --port 8000 --no-access-log \
#       --no-proxy-headers --loop=uvloop --http=httptools
#
# docker-compose.yml at the top level runs both against a Temporal cluster on PostgreSQL.

ARG PYTHON_VERSION=3.11.7

FROM ghcr.io/astral-sh/uv:0.13.9 AS uv

FROM python:${PYTHON_VERSION}-slim-bookworm AS build
COPY --from=uv /uv /usr/local/bin/uv
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv
WORKDIR /app
# Dependencies first: this layer is rebuilt only when the lock file changes.
COPY pyproject.toml uv.lock README.md ./
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-install-project
COPY common ./common
COPY workflows ./workflows
COPY activities ./activities
COPY api ./api
COPY signing ./signing
COPY reporting ./reporting
COPY commands ./commands
COPY worker.py ./
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev

FROM python:${PYTHON_VERSION}-slim-bookworm
# Pango and fonts: weasyprint draws the archive's PDF pages.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 iku \
    && useradd --system --uid 10001 --gid iku --home-dir /app --no-create-home iku \
    && mkdir -p /var/lib/iku/signing /var/lib/iku/ca-private /var/lib/iku/signed-out \
    && chown -R iku:iku /var/lib/iku
COPY --from=build --chown=iku:iku /app /app
WORKDIR /app
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    IKU_DATA_DIR=/var/lib/iku
USER iku:iku
# The web layer's port; the worker listens on none.
EXPOSE 8000
CMD ["python", "worker.py"]
