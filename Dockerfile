# Build: resolve the locked dependencies into a virtualenv with uv.
FROM python:3.11-slim AS build
COPY --from=ghcr.io/astral-sh/uv:0.13 /uv /usr/local/bin/uv
WORKDIR /app
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=never
COPY pyproject.toml uv.lock ./
RUN uv sync --locked --no-dev --no-install-project
COPY bot ./bot
COPY states ./states

# Run: the virtualenv and the code, as an unprivileged user, logging to stdout only.
FROM python:3.11-slim
RUN useradd --create-home --uid 10001 bot
WORKDIR /app
COPY --from=build --chown=bot:bot /app /app
ENV PATH="/app/.venv/bin:$PATH" PYTHONUNBUFFERED=1 LOG_TO_FILE=false
USER bot
CMD ["python", "-m", "bot"]
