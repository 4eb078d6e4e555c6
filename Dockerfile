# syntax=docker/dockerfile:1
FROM python:3.11-slim AS base

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DATABASE_URL=sqlite:////data/briefbot.db

WORKDIR /app
COPY pyproject.toml README.md ./
COPY briefbot ./briefbot
COPY foundation ./foundation
COPY bot ./bot
COPY feeds ./feeds
COPY briefings ./briefings
COPY knowledge ./knowledge
COPY storage ./storage
RUN pip install --no-compile . \
 && useradd --system --uid 10001 --home-dir /data --create-home briefbot

USER briefbot
VOLUME ["/data"]
# 3000: POST /slack/events (HTTP mode), GET /healthz (the health check below) and GET /metrics
# (Prometheus) in both HTTP and Socket Mode.
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD python -c "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:3000/healthz', timeout=4).status == 200 else 1)"
ENTRYPOINT ["briefbot"]
CMD ["run", "--port", "3000"]
