"""The chats' conversations: one actor per chat answering its turns, how turns reach it
(placement), and what handlers ask of them (Conversations)."""
