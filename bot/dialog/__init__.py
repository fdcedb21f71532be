"""Chat history: message types, trimming (pure), the DialogStore port and its adapters."""
