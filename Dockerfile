# KIM Intake: a small image that runs `kim-intake run` as an unprivileged user.
FROM python:3.11-slim AS build
RUN python -m venv /opt/kim
WORKDIR /src
# Exactly the versions of requirements.lock, checked against its hashes; then the project itself,
# adding nothing (setuptools, which builds it, is in the lock too).
COPY requirements.lock ./
RUN /opt/kim/bin/pip install --no-cache-dir --require-hashes -r requirements.lock
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY storage ./storage
RUN /opt/kim/bin/pip install --no-cache-dir --no-deps --no-build-isolation .

FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 \
    PATH=/opt/kim/bin:$PATH \
    KIM_CONFIG=/app/config.yaml \
    KIM_DATABASE_URL=sqlite+aiosqlite:////app/data/kim-intake.db \
    KIM_HEARTBEAT_FILE=/tmp/kim-intake.heartbeat
RUN useradd --create-home --uid 10001 kim && mkdir -p /app/data && chown kim /app/data
COPY --from=build /opt/kim /opt/kim
COPY config.yaml /app/config.yaml
WORKDIR /app
USER kim
# The catalogs (.po) are inside the installed package and read at start-up.
RUN kim-intake check
# In polling and webhook mode alike, the bot touches KIM_HEARTBEAT_FILE every 10 s while its
# database answers; `kim-intake health` fails when that is over a minute old.
HEALTHCHECK --interval=30s --timeout=20s --start-period=60s --retries=3 \
    CMD ["kim-intake", "health"]
EXPOSE 8080
ENTRYPOINT ["kim-intake"]
CMD ["run"]
