# ozon-telegram-bridge: one long-lived container per seller.
# Debian 12 (bookworm), named on purpose: the image builds the same way until we choose to move.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DATABASE_PATH=/data/bridge.sqlite3 \
    PUSH_PORT=8080

WORKDIR /app

# Dependencies in their own layer, rebuilt only when the lock changes: exact versions with hashes
# (scripts/lock), setuptools and wheel among them.
COPY requirements.lock ./
RUN pip install --require-hashes -r requirements.lock

# The project itself, built with the pinned setuptools: nothing unpinned is downloaded.
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY storage ./storage
RUN pip install --no-deps --no-build-isolation . \
    && useradd --system --uid 10001 --home-dir /app bridge \
    && mkdir -p /data && chown bridge /data

USER bridge
VOLUME ["/data"]
EXPOSE 8080

# The probe asks /livez: whether the process and its event loop answer, which a restart can fix.
# Readiness (/readyz: the database takes writes, Ozon synced lately) is for monitoring: a restart
# does not bring Ozon back. The probe imports only the standard library.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-m", "bot", "health"]

CMD ["python", "-m", "bot"]
