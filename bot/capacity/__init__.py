"""Living within Groq's and Telegram's limits, fairly, and showing it (docs/architecture.md,
"Capacity"): the model scheduler, per-user quotas, the Telegram pacer and the metrics."""
