"""Getting a reply to the user: splitting at Telegram's limit and sending with retries."""
