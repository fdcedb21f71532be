"""Where state lives: the backend built from STORAGE_URL, its Redis keys and errors."""
