"""The bot's Prometheus metrics and the server that shows them (docs/operations.md)."""
