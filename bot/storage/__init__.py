"""In-memory state that forgets what has gone quiet, so memory follows active chats."""
