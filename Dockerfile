# KIM Intake: a small image that runs `kim-intake run` as an unprivileged user.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY storage ./storage
RUN pip install --no-cache-dir --prefix=/install .

FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 \
    KIM_CONFIG=/app/config.yaml \
    KIM_DATABASE_URL=sqlite+aiosqlite:////app/data/kim-intake.db
RUN useradd --create-home --uid 10001 kim && mkdir -p /app/data && chown kim /app/data
COPY --from=build /install /usr/local
COPY config.yaml /app/config.yaml
WORKDIR /app
USER kim
# The catalogs (.po) are inside the installed package and read at start-up.
RUN kim-intake check
EXPOSE 8080
ENTRYPOINT ["kim-intake"]
CMD ["run"]
