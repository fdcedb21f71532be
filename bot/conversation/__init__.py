"""The per-chat actor and the supervisor that starts, finds and stops actors."""
