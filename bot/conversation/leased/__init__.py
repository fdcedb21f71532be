"""The leased placement: a durable inbox in Redis, a lease per chat, a control channel."""
