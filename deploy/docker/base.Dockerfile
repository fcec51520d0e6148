# syntax=docker/dockerfile:1
# Shared base of the five nameko services: Python, the pinned service
# requirements, estate_common and the contracts. Each service image adds only
# its own package on top (services/<name>/Dockerfile).
#
# Build context = repository root:
#   docker build -f deploy/docker/base.Dockerfile -t estate-ops/base:latest .
# (docker compose builds it for you, see docker-compose.yml.)
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    ESTATE_CONTRACTS_DIR=/app/contracts

WORKDIR /app

# Third-party dependencies first: this layer changes only with the lock file.
# services.txt pins setuptools (hash-checked) too, and our own packages are built with it
# (--no-build-isolation): with isolation pip fetched an unpinned setuptools from the index
COPY requirements/services.txt requirements/services.txt
RUN pip install --require-hashes -r requirements/services.txt

COPY libs/estate_common libs/estate_common
RUN pip install --no-deps --no-build-isolation ./libs/estate_common

COPY contracts contracts

# Unprivileged runtime user. Everything above stays owned by root, so the
# application cannot modify its own code even without a read-only root fs.
RUN groupadd --system --gid 10001 estate \
 && useradd --system --uid 10001 --gid 10001 --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin estate

USER 10001
