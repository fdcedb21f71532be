"""What every layer shares, importing nothing else of the bot: chats, turns, messages,
tokens and trimming, how a turn ended, and the failures every layer may meet."""
