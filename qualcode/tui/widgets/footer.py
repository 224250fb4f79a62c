"""The footer: Textual's, rebuilt once when the shown keys change instead of once per signal.

Textual's :class:`~textual.widgets.Footer` recomposes (new key widgets, styles applied
to each) for every ``bindings_updated`` signal, and mounting the coding screen sends
several (focus, screen resume, a deferred refresh after each focus change): five
rebuilds of about 40 ms before the first frame settled. Here the keys are composed with
the screen, a rebuild is scheduled only if none is pending, and it is skipped when the
keys it would show are those on screen.
"""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer


class KeyFooter(Footer):
    def __init__(self, **kw) -> None:
        super().__init__(**kw)
        self._rebuild_pending = False
        self._shown: tuple | None = None
        # Show the keys in the first frame already (Footer waits for the first signal and
        # then rebuilds); a later signal rebuilds only if the keys differ.
        self._bindings_ready = True

    def compose(self):
        self._shown = self._keys()
        yield from super().compose()

    def bindings_changed(self, screen: Screen) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen and not self._rebuild_pending:
            self._rebuild_pending = True
            self.call_after_refresh(self._rebuild)

    def _keys(self) -> tuple:
        """What :meth:`Footer.compose` shows: the ``show`` bindings (and the palette key)."""
        palette = self.app.COMMAND_PALETTE_BINDING
        return tuple(
            (b.key, b.action, b.description, b.key_display, enabled, tooltip)
            for key, (_node, b, enabled, tooltip) in self.screen.active_bindings.items()
            if b.show or key == palette
        ) + (self.compact, self.show_command_palette)

    async def _rebuild(self) -> None:
        self._rebuild_pending = False
        if not self.is_attached:  # its screen was closed meanwhile
            return
        keys = self._keys()
        if keys == self._shown:
            return
        self._shown = keys
        await self.recompose()
