"""A Telegram chat bot for LLMs served by Groq."""
