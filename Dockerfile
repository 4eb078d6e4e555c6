# syntax=docker/dockerfile:1
# briefbot's image: `docker build -t briefbot .`, then docs/deploy.md ("Docker") for both modes.
FROM python:3.11-slim AS base

# The one port setting: `briefbot run` reads BRIEFBOT_PORT for --port, and the health check below
# asks the same port. `docker build --build-arg BRIEFBOT_PORT=8080` or `docker run -e
# BRIEFBOT_PORT=8080` moves both.
ARG BRIEFBOT_PORT=3000
ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DATABASE_URL=sqlite:////data/briefbot.db \
    BRIEFBOT_PORT=${BRIEFBOT_PORT}

WORKDIR /app

# Dependency layer: only pyproject.toml's dependency list, at the versions pinned in
# constraints.txt (the file CI tests with). A change to the sources reuses this layer.
COPY pyproject.toml constraints.txt ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
 && pip install -c constraints.txt -r /tmp/requirements.txt \
 && rm /tmp/requirements.txt \
 && useradd --system --uid 10001 --home-dir /data --create-home briefbot

# The sources, installed without touching the dependencies; pip compiles the bytecode here, at
# build time, so a start does not (and the non-root user could not write it anyway).
COPY README.md LICENSE ./
COPY briefbot ./briefbot
COPY foundation ./foundation
COPY bot ./bot
COPY feeds ./feeds
COPY briefings ./briefings
COPY knowledge ./knowledge
COPY storage ./storage
COPY llm ./llm
RUN pip install --no-deps . \
 && rm -rf /app/build

ENV PYTHONDONTWRITEBYTECODE=1
USER 10001
VOLUME ["/data"]
# POST /slack/events (HTTP mode), GET /healthz (the health check below) and GET /metrics
# (Prometheus), in HTTP and Socket Mode alike.
EXPOSE ${BRIEFBOT_PORT}
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD python -c "import os, sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ['BRIEFBOT_PORT'], timeout=4).status == 200 else 1)"
ENTRYPOINT ["briefbot"]
CMD ["run"]
