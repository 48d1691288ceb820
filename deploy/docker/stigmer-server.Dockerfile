# syntax=docker/dockerfile:1.7
# stigmer-server: Stigmer's gRPC API on a Redis store, orchestrating executions on Temporal.
#
# Build from the repository root (the context is filtered by /.dockerignore):
#   docker build -f deploy/docker/stigmer-server.Dockerfile -t stigmer-server:dev .
#
# Stage "build" turns the workspace members into wheels (the protos wheel generates its code
# in an isolated build environment holding grpcio-tools and betterproto2-compiler, as
# declared in packages/protos/pyproject.toml) and installs them into a virtualenv with no pip.
# Stage "runtime" is python:slim plus that virtualenv: no compiler, no pip, no sources.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_ROOT_USER_ACTION=ignore \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
COPY packages/ packages/
COPY services/stigmer-server/ services/stigmer-server/
# Every library member of the workspace is named on one command line, so pip resolves the
# workspace's own distributions (stigmer-protos, ...) from these paths, never from an index.
# The venv is then filled from the wheel directory alone (--no-index).
# The member list is split into words on purpose.
# hadolint ignore=SC2086
RUN set -eux; \
    members="$(find packages -mindepth 2 -maxdepth 2 -name pyproject.toml -printf './%h ')"; \
    pip wheel --wheel-dir /wheels ${members} ./services/stigmer-server; \
    python -m venv --without-pip /opt/stigmer; \
    pip --python /opt/stigmer/bin/python install --no-index --find-links /wheels \
        /wheels/stigmer_server-*.whl; \
    /opt/stigmer/bin/python -c "import stigmer_server.main, grpc_health.v1.health_pb2"

FROM ${PYTHON_IMAGE} AS runtime
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=unknown
ARG SOURCE=https://github.com/stigmer/stigmer-python
LABEL org.opencontainers.image.title="stigmer-server" \
      org.opencontainers.image.description="Stigmer gRPC API (Workflow, WorkflowInstance, WorkflowExecution) on Redis, orchestrating workflow executions on Temporal" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.documentation="${SOURCE}/blob/main/deploy/README.md" \
      org.opencontainers.image.base.name="${PYTHON_IMAGE}"

RUN groupadd --system --gid 10001 stigmer \
 && useradd --system --uid 10001 --gid stigmer --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin stigmer
COPY --from=build /opt/stigmer /opt/stigmer
COPY deploy/docker/grpc_health_check.py /opt/stigmer/libexec/grpc_health_check.py

ENV PATH=/opt/stigmer/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    GRPC_PORT=7234
USER 10001:10001
WORKDIR /tmp
EXPOSE 7234
# SERVING once the gRPC server is up and its Redis store reachable (see server.py).
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "/opt/stigmer/libexec/grpc_health_check.py"]
ENTRYPOINT ["stigmer-server"]
