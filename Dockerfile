# syntax=docker/dockerfile:1
# One image for every Senja component; the component is chosen by arguments:
#   docker run IMAGE                           -> gateway (gunicorn gthread, $PORT, default 8000)
#   docker run IMAGE services queue            -> nameko service (also: permits, accessibility)
#   docker run -i IMAGE gateway.manage create-staff --username U --office 33.71.02 --role admin
#   docker run IMAGE gateway.manage load-demo
# Configuration by environment: AMQP_URI, MONGO_URI, SENJA_SECRET, PORT,
# SERVICE_HTTP_ADDRESS, RPC_TIMEOUT, GUNICORN_WORKERS, GUNICORN_THREADS,
# SENJA_LOG_LEVEL (see deploy/k8s/README.md).

# Base image pinned by tag in both stages; bump both together.
FROM python:3.11.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN python -m venv /opt/senja
COPY pyproject.toml ./
COPY services ./services
COPY gateway ./gateway
# `pip install .` installs the package and its pinned runtime dependencies
# (nameko 2.14.1, eventlet 0.33.3, pymongo 4, falcon 4, gunicorn, ...) into
# /opt/senja, byte-compiled, so the read-only container never writes .pyc.
RUN /opt/senja/bin/pip install . \
 && /opt/senja/bin/python -m compileall -q /opt/senja/lib
COPY deploy/docker/healthcheck.py /opt/senja/bin/senja-healthcheck.py

FROM python:3.11.11-slim-bookworm
RUN groupadd --system --gid 10001 senja \
 && useradd --system --uid 10001 --gid 10001 --no-create-home \
      --home-dir /nonexistent --shell /usr/sbin/nologin senja \
 && mkdir /app
COPY --from=build /opt/senja /opt/senja
# EVENTLET_NO_GREENDNS must be set before eventlet is imported: eventlet's
# green DNS breaks pymongo 4 inside nameko services (see docs/architecture.md).
ENV PATH=/opt/senja/bin:$PATH \
    EVENTLET_NO_GREENDNS=yes \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    GATEWAY_HOST=0.0.0.0 \
    PORT=8000 \
    SERVICE_HTTP_ADDRESS=0.0.0.0:8080
# An empty working directory: `python -m` puts the cwd on sys.path, and the
# source tree (whose services/queue would shadow the stdlib `queue`) is not here.
WORKDIR /app
USER 10001:10001
EXPOSE 8000 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "/opt/senja/bin/senja-healthcheck.py"]
ENTRYPOINT ["python", "-m"]
CMD ["gateway"]
