"""Text updated in place several times a second, without laying the screen out again unless its height changed."""

from __future__ import annotations

from textual.widgets import Static


class LiveText(Static):
    """A Static for text that changes while the drill runs (alerts, step detail).

    `Static.update` lays out the whole screen by default, a pass over every
    widget on it; a countdown that changes each second only needs its own
    lines repainted.
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__("", **kwargs)  # type: ignore[arg-type]
        self._live_markup: str | None = None

    def _height(self, width: int) -> int:
        """Lines the content takes at `width` (measured as Textual's own Widget does, with its styles)."""
        return self.visual.get_height(self.styles, width)  # type: ignore[arg-type]

    def show_markup(self, markup: str) -> bool:
        """Show `markup` if it changed; a layout pass only when the number of lines does. True if it changed."""
        if markup == self._live_markup:
            return False
        self._live_markup = markup
        width = self.content_size.width
        before = self._height(width) if width else -1
        self.update(markup, layout=False)
        self.clear_cached_dimensions()
        if not width or self._height(width) != before:
            self.refresh(layout=True)
        return True
