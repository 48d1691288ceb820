# syntax=docker/dockerfile:1.7
# workflow-runner: the ExecuteWorkflow activity and the DSL interpreter, as a Temporal worker.
#
# Build from the repository root (the context is filtered by /.dockerignore):
#   docker build -f deploy/docker/workflow-runner.Dockerfile -t workflow-runner:dev .
#   (--build-arg WITH_NODE=false leaves Node.js out: `run: script` in JavaScript then fails
#   with a clear error on that worker; Python scripts and shell commands still run.)
#
# Same two stages as stigmer-server.Dockerfile; the runtime adds tini (PID 1 reaps the
# processes that `run` tasks leave behind) and, by default, Debian's Node.js for JS scripts.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_ROOT_USER_ACTION=ignore \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
COPY packages/ packages/
COPY services/workflow-runner/ services/workflow-runner/
# The member list is split into words on purpose.
# hadolint ignore=SC2086
RUN set -eux; \
    members="$(find packages -mindepth 2 -maxdepth 2 -name pyproject.toml -printf './%h ')"; \
    pip wheel --wheel-dir /wheels ${members} ./services/workflow-runner; \
    python -m venv --without-pip /opt/stigmer; \
    pip --python /opt/stigmer/bin/python install --no-index --find-links /wheels \
        /wheels/workflow_runner-*.whl; \
    /opt/stigmer/bin/python -c "import workflow_runner.main, jq, jsonschema_rs"

FROM ${PYTHON_IMAGE} AS runtime
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=unknown
ARG SOURCE=https://github.com/stigmer/stigmer-python
ARG WITH_NODE=true
LABEL org.opencontainers.image.title="workflow-runner" \
      org.opencontainers.image.description="Stigmer workflow-runner: runs Serverless Workflow DSL 1.0 executions as a Temporal worker" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.documentation="${SOURCE}/blob/main/deploy/README.md" \
      org.opencontainers.image.base.name="${PYTHON_IMAGE}"

# The package list is split into words on purpose.
# hadolint ignore=SC2086
RUN set -eux; \
    packages="tini"; \
    if [ "${WITH_NODE}" = "true" ]; then packages="${packages} nodejs"; fi; \
    apt-get update; \
    apt-get install -y --no-install-recommends ${packages}; \
    rm -rf /var/lib/apt/lists/*; \
    groupadd --system --gid 10001 stigmer; \
    useradd --system --uid 10001 --gid stigmer --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin stigmer
COPY --from=build /opt/stigmer /opt/stigmer
COPY deploy/docker/runner_health.py /opt/stigmer/libexec/runner_health.py

ENV PATH=/opt/stigmer/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    RUNNER_HEARTBEAT_FILE=/tmp/workflow-runner.alive
USER 10001:10001
WORKDIR /tmp
# A worker serves no port. Liveness: the runner process is alive and not stopped or a zombie,
# and the file it touches every 10 s from its event loop (RUNNER_HEARTBEAT_FILE) is fresh.
HEALTHCHECK --interval=15s --timeout=5s --start-period=10s --retries=3 \
    CMD ["python", "/opt/stigmer/libexec/runner_health.py"]
ENTRYPOINT ["tini", "--", "workflow-runner"]
