# Build: resolve the locked dependencies into a virtualenv with uv.
FROM python:3.11-slim AS build
COPY --from=ghcr.io/astral-sh/uv:0.13 /uv /usr/local/bin/uv
WORKDIR /app
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=never
COPY pyproject.toml uv.lock ./
RUN uv sync --locked --no-dev --no-install-project
COPY bot ./bot

# Run: the virtualenv and the code, as an unprivileged user. The log goes to the console
# (stderr) only, which `docker logs` shows; LOG_TO_FILE=true in an env file turns a file on.
FROM python:3.11-slim
RUN groupadd --gid 10001 bot && useradd --uid 10001 --gid bot --no-log-init --create-home bot
WORKDIR /app
COPY --from=build --chown=10001:10001 /app /app
ENV PATH="/app/.venv/bin:$PATH" PYTHONUNBUFFERED=1 LOG_TO_FILE=false
# numeric, so that a runtime that checks for a non-root user needs no /etc/passwd lookup
USER 10001:10001
CMD ["python", "-m", "bot"]
