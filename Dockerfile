# The flux-semver GitHub Action: Python 3.11 (the version the tests run on) on Debian 12 slim,
# with git, nothing else. The release workflow builds it once per version tag and the action
# pulls it by digest; this file is what it builds (and what a checkout of a branch builds).
#
# The base image is pinned by digest: python:3.11-slim-bookworm as Docker Hub published it in
# September 2026 (Python 3.11.16), the digest a `docker build` of that tag resolved. To move
# it on: `docker buildx imagetools inspect python:3.11-slim-bookworm` prints the new digest.
FROM python:3.11-slim-bookworm@sha256:528257d48c1da0dcecc2e725d1ae34498d60c965f1241e39cd6a85a8859bdf84

# git for fetch/commit/push; no recommended packages, no apt lists left in the image.
# git is not pinned: Debian replaces point releases with security fixes, so a pinned version
# stops building; the base image's digest fixes everything else.
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
# Every Python package the action runs, and the build back-end, at the versions of the lock:
# pip refuses any file whose sha256 the lock does not list (python3 tasks.py lock refreshes it).
# Wheels only: the slim image has no compiler (msgspec, PyYAML, google-re2 ship manylinux wheels).
COPY requirements/action.lock ./requirements/
RUN pip install --no-cache-dir --require-hashes --no-deps --only-binary=:all: \
    -r requirements/action.lock

# The package itself, built with the locked back-end and nothing fetched (--no-index).
# VERSION is the release tag without its v (the build context holds no git history).
COPY pyproject.toml README.md entrypoint.py ./
COPY src/ ./src/
COPY hooks/ ./hooks/
ARG VERSION=0.0.0
RUN SETUPTOOLS_SCM_PRETEND_VERSION="${VERSION}" \
    pip install --no-cache-dir --no-deps --no-build-isolation --no-index . \
    && rm -rf /app/src /app/hooks /app/build

# Exec form: a shell would drop the runner's INPUT_DRY-RUN-style variables (hyphens).
ENTRYPOINT ["python", "/app/entrypoint.py"]
