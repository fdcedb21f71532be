"""Which models see images: turns with images go to VISION_MODEL when the chat's is blind."""

from __future__ import annotations

# Groq's vision models as of this release; the Llama 4 family reads images too.
KNOWN_VISION_MODELS = frozenset(
    {
        "meta-llama/llama-4-scout-17b-16e-instruct",
        "meta-llama/llama-4-maverick-17b-128e-instruct",
    }
)
_VISION_FAMILIES = ("llama-4",)
MAX_IMAGES_PER_REQUEST = 5  # Groq's limit for Llama 4 Scout


def has_vision(model: str) -> bool:
    """True when `model` takes `image_url` parts."""
    name = model.lower()
    return name in KNOWN_VISION_MODELS or any(family in name for family in _VISION_FAMILIES)
