# One image for every Flexcalc process: web (the default), worker and clock.
#   docker build -t flexcalc .
#   docker run --env-file .env -p 3000:3000 flexcalc                   # web
#   docker run --env-file .env flexcalc python -m bot worker           # worker
#   docker run --env-file .env flexcalc python -m bot clock            # clock
#   docker run --env-file .env flexcalc python -m bot migrate          # schema, before upgrades
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Pinned dependencies first (a layer that changes only when requirements.txt does).
COPY requirements.txt ./
RUN pip install -r requirements.txt

COPY pyproject.toml README.md LICENSE NOTICE gunicorn.conf.py ./
COPY flexcalc ./flexcalc
COPY bot ./bot
RUN pip install --no-deps . && rm -rf build *.egg-info

# Non-root, with a writable data directory (SQLite database and queue, HTTP cache) and a
# per-container directory for prometheus-client's multiprocess files.
RUN groupadd --system --gid 10001 flexcalc \
    && useradd --system --uid 10001 --gid flexcalc --home-dir /app --shell /usr/sbin/nologin flexcalc \
    && mkdir -p /data /tmp/flexcalc-metrics \
    && chown flexcalc:flexcalc /data /tmp/flexcalc-metrics
USER 10001:10001

ENV PORT=3000 \
    DATABASE_URL=sqlite:////data/flexcalc.sqlite \
    FLEX_CACHE_DIR=/data/cache \
    PROMETHEUS_MULTIPROC_DIR=/tmp/flexcalc-metrics \
    MPLCONFIGDIR=/tmp/matplotlib
VOLUME ["/data"]
EXPOSE 3000

HEALTHCHECK --interval=30s --timeout=5s --start-period=40s --retries=3 \
    CMD ["python", "-m", "bot.observability.probe", "web"]

CMD ["python", "-m", "bot", "web"]
