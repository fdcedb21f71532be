# Recipes for the Groq Telegram bot. Bare `just` lists them.

# list the recipes
default:
    @just --list

# run the bot (reads settings from .env)
run *args:
    uv run --locked python -m bot {{args}}

# run the whole test suite (offline: fake Telegram and Groq servers on 127.0.0.1), in four
# processes that steal work from each other: most tests wait on their fake servers or on a
# bot process, so four share two cores well, and the long process tests do not end up queued
# behind each other at the end
test *args:
    uv run --locked pytest -n 4 --dist worksteal {{args}}

# ruff check, ruff format --check, mypy --strict, the import contracts (layers, no cycle,
# storage adapters from the composition root only) and hadolint on the Dockerfile
lint:
    uv run --locked ruff check .
    uv run --locked ruff format --check .
    uv run --locked mypy
    uv run --locked lint-imports
    uv run --locked hadolint Dockerfile

# format the code and apply safe lint fixes
fmt:
    uv run --locked ruff format .
    uv run --locked ruff check --fix .

# benchmarks: the bot side by side with bare aiogram and a naive handler (never part of test)
bench *args:
    uv run --locked python -m bench {{args}}
