# famsbot: the web app (default), or any other famsbot command (`worker`, `db upgrade`, `staff add`).
# Installs exactly the hash-pinned requirements.txt, then the project without its dependencies,
# and runs as an unprivileged user. Data lives in PostgreSQL (compose.yaml), or in /data for SQLite.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY requirements.txt ./
RUN pip install --require-hashes -r requirements.txt

COPY pyproject.toml README.md ./
COPY famsbot ./famsbot
RUN pip install --no-deps . \
    && useradd --system --uid 10001 --user-group --home-dir /app --shell /usr/sbin/nologin famsbot \
    && mkdir /data && chown famsbot:famsbot /data

USER famsbot
ENV PORT=8000 \
    FAMSBOT_DATABASE_URL=sqlite+aiosqlite:////data/famsbot.db
VOLUME ["/data"]
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8000'), timeout=4)"]

ENTRYPOINT ["famsbot"]
CMD ["serve", "--host", "0.0.0.0"]
