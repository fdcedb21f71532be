"""Outer middlewares: access control and per-user rate limits."""
