"""When a model call may go: Groq's rate limits read from every response and shared by the
replicas, a fair queue over chats, the fallback model, and each user's daily quota
(docs/architecture.md, "Scheduling and pacing")."""
