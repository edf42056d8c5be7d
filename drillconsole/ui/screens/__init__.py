"""Screens and modal dialogs of the console, one module each."""
