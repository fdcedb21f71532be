"""Voice notes, photos and files turned into a turn's question (docs/architecture.md, "Media").

The handler only records references (bot/handlers/media.py); the runner's load step calls
`MediaReader` to download, transcribe, read or encode them, and `PromptBuilder` to show a
request the images its dialog refers to.
"""
