"""Widgets of the console, one module each."""
