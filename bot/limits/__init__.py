"""Per-user limits: the rate limiter port and its adapters, and the once-a-window notices."""
