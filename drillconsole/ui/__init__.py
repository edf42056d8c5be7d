"""The Textual console: a view over the engine's state that sends it commands."""
