# The flux-semver GitHub Action: Python 3.12 on Debian slim, with git, nothing else.
FROM python:3.12-slim

# git for fetch/commit/push; no recommended packages, no apt lists left in the image.
# git is not pinned: Debian replaces point releases with security fixes, so a pinned version
# stops building; the base image tag is what makes the build repeatable.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends git \
    && rm -rf /var/lib/apt/lists/* \
    && git config --system --add safe.directory '*'

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1

WORKDIR /app
# Only what the package needs: the wheel is built from these and nothing else is copied.
COPY pyproject.toml README.md entrypoint.py ./
COPY src/ ./src/
COPY hooks/ ./hooks/
RUN pip install --no-cache-dir . \
    && rm -rf /app/src /app/hooks /app/build

# Exec form: a shell would drop the runner's INPUT_DRY-RUN-style variables (hyphens).
ENTRYPOINT ["python", "/app/entrypoint.py"]
