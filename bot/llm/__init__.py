"""The ChatModel port, the Groq adapter and the mapping of its errors."""
