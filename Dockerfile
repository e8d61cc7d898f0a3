# syntax=docker/dockerfile:1
# The portal's production image. `make image` builds it; compose.yaml and deploy/kubernetes/ run it.
# The entrypoint is the `portal` CLI (behind tini), `serve` by default:
#   docker run --rm -p 8050:8050 -v portal-data:/data -e PORTAL_SECRET_KEY_FILE=/run/secrets/key ... IMAGE
#   docker run --rm IMAGE worker --concurrency 2        # or: db upgrade, report schedule, config, ...

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# ---- builder: the locked dependencies, then the project, into /opt/venv ---------------------------
FROM ${PYTHON_IMAGE} AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /app
# The declarations alone first, so a change to the code reuses the dependency layer.
COPY setup.cfg pyproject.toml constraints.txt README.md wsgi.py ./
RUN pip install --constraint constraints.txt ".[postgres]"
COPY . .
# Installed in place (editable): the pages' assets/ and wsgi.py sit beside the packages, so the
# portal runs from /app exactly as from a checkout. The bytecode is compiled now, because the
# running container's root filesystem is read-only.
RUN pip install --no-deps --constraint constraints.txt --editable . \
 && python -m compileall -q /app/portal /app/models /app/layouts /app/callbacks /app/wsgi.py

# ---- runtime: Debian slim, Python 3.11, Chromium for the reports, a fixed non-root user -------------
FROM ${PYTHON_IMAGE} AS runtime
ARG PORTAL_UID=10001
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="analytics-portal" \
      org.opencontainers.image.description="Plotly Dash analytics portal over scikit-learn models: pages, REST API, embeds and reports" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.licenses="LicenseRef-Proprietary" \
      org.opencontainers.image.base.name="${PYTHON_IMAGE}"

# Chromium renders the screenshot reports inside the container, with real fonts for their text
# (Liberation is metric-compatible with Arial, Noto covers most scripts); tini is PID 1, so signals
# reach the portal and the processes Chromium leaves behind are reaped.
# Debian's versions are not pinned (DL3008): bookworm's security updates replace them, and a pin
# would break the build on the day an old version leaves the archive.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      chromium fonts-dejavu-core fonts-liberation2 fonts-noto-core tini \
 && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid "${PORTAL_UID}" portal \
 && useradd --system --uid "${PORTAL_UID}" --gid portal --home-dir /nonexistent --no-create-home \
      --shell /usr/sbin/nologin portal \
 && install -d -o portal -g portal -m 0750 /data

COPY --from=builder /opt/venv /opt/venv
COPY --from=builder /app /app

# HOME=/tmp: Chromium's and fontconfig's caches go to the one writable scratch place (an emptyDir
# under Kubernetes' read-only root filesystem); the portal itself writes only to PORTAL_DATA_DIR.
# PORTAL_ENV=production: the image refuses the default secret key and open sign-in unless told
# otherwise (-e PORTAL_ENV=development to try it out).
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOME=/tmp \
    PORTAL_ENV=production \
    PORTAL_DATA_DIR=/data \
    PORTAL_CHROMIUM_PATH=/usr/bin/chromium \
    HOST=0.0.0.0 \
    PORT=8050
WORKDIR /app
VOLUME ["/data"]
EXPOSE 8050
USER ${PORTAL_UID}:${PORTAL_UID}

# Liveness without curl in the image: /healthz answers 200 while gunicorn serves.
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request as r; r.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8050'), timeout=4)"]

ENTRYPOINT ["/usr/bin/tini", "--", "portal"]
CMD ["serve"]
