"""The STORAGE_URL forms the bot knows; settings validate against them, the root picks by them."""

MEMORY_URL = "memory://"
REDIS_SCHEMES = ("redis://", "rediss://", "unix://")
