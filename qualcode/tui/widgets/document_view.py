"""The document text: coded spans in their code colours, a stripe of codes per line.

A Line-API widget: only the visible lines are rendered. Highlight intervals are
computed once per document load (:class:`~qualcode.tui.data.DocData`); wrapping
is recomputed only when the width changes.
"""

from __future__ import annotations

import bisect
import re

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.color import Color
from textual.events import MouseDown, MouseMove, MouseUp, Resize
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from qualcode.structure import NOT_RELEVANT
from qualcode.tui.data import DocData

GUTTER = 4  # three code stripes and a space
_WORD = re.compile(r"\w+", re.UNICODE)


def wrap_lines(text: str, width: int) -> list[tuple[int, int]]:
    """Visual lines ``(start, end)`` of ``text`` word-wrapped at ``width`` characters."""
    width = max(width, 8)
    out: list[tuple[int, int]] = []
    pos = 0
    n = len(text)
    while True:
        nl = text.find("\n", pos)
        le = n if nl < 0 else nl
        s = pos
        if s == le:
            out.append((s, s))
        while s < le:
            if le - s <= width:
                out.append((s, le))
                break
            cut = text.rfind(" ", s, s + width + 1)
            if cut <= s:
                out.append((s, s + width))
                s += width
            else:
                out.append((s, cut))
                s = cut + 1
        if nl < 0:
            break
        pos = nl + 1
    return out


class DocumentView(ScrollView, can_focus=True):
    """Shows one document; the selection is a character range ``[start, end)``."""

    BINDINGS = [
        Binding("down,j", "passage(1)", "Next passage", show=False),
        Binding("up,k", "passage(-1)", "Prev passage", show=False),
        Binding("shift+down,J", "extend(1)", "Extend selection by a passage", show=False),
        Binding("shift+up,K", "extend(-1)", "Extend selection backwards", show=False),
        Binding("shift+right", "word_end(1)", "Selection end: next word", show=False),
        Binding("shift+left", "word_end(-1)", "Selection end: previous word", show=False),
        Binding("L", "word_start(1)", "Selection start: next word", show=False),
        Binding("H", "word_start(-1)", "Selection start: previous word", show=False),
        Binding("s", "toggle_unit", "Paragraph/sentence", show=False),
        Binding("enter", "screen.code", "Code the selection", show=False),
        Binding("home", "first", "First passage", show=False),
        Binding("end", "last", "Last passage", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
    ]

    DEFAULT_CSS = """
    DocumentView { background: $surface; }
    """

    class SelectionChanged(Message):
        def __init__(self, view: DocumentView, start: int, end: int) -> None:
            super().__init__()
            self.view = view
            self.start = start
            self.end = end

    class SentencesNeeded(Message):
        """The document has no stored sentences: the screen splits them in a worker."""

        def __init__(self, view: DocumentView) -> None:
            super().__init__()
            self.view = view

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.doc: DocData | None = None
        self.unit = "paragraph"
        self.index = 0
        self.sel: tuple[int, int] = (0, 0)
        self._lines: list[tuple[int, int]] = []
        self._line_starts: list[int] = []
        self._wrap_width = 0
        self._drag_anchor: int | None = None
        self._scroll_pending = False
        self._styles: dict[tuple, Style] = {}

    # --- data -----------------------------------------------------------------------------

    def set_document(
        self, doc: DocData | None, *, keep: bool = False, select: tuple[int, int] | None = None
    ) -> None:
        same = self.doc is not None and doc is not None and self.doc.id == doc.id
        self.doc = doc
        self._styles.clear()
        if not (same and keep):
            self._wrap_width = 0
        self._rewrap()
        if doc is None:
            self.sel = (0, 0)
        elif select is not None:
            self.select_range(*select)
        elif same and keep:
            self.sel = (min(self.sel[0], len(doc.text)), min(self.sel[1], len(doc.text)))
            self.refresh()
        else:
            self.index = 0
            units = doc.units(self.unit)
            self._set_sel(units[0] if units else (0, 0))
            self.scroll_to(y=0, animate=False)
        self.refresh()

    @property
    def units(self) -> list[tuple[int, int]]:
        return self.doc.units(self.unit) if self.doc else []

    # --- wrapping / geometry -----------------------------------------------------------------

    def _text_width(self) -> int:
        return max(self.scrollable_content_region.width - GUTTER - 1, 10)

    def _rewrap(self) -> None:
        if self.doc is not None and not self.size.width:
            # No size yet (e.g. the screen's on_mount): a wrap now would be at a guessed width
            # and thrown away; on_resize wraps once the layout has given the widget its width.
            self._lines, self._line_starts, self._wrap_width = [], [], 0
            return
        width = self._text_width()
        if self.doc is None:
            self._lines, self._line_starts = [], []
        elif width != self._wrap_width or not self._lines:
            self._lines = wrap_lines(self.doc.text, width)
            bar = self.styles.scrollbar_size_vertical
            if (
                not self.show_vertical_scrollbar
                and len(self._lines) > self.scrollable_content_region.height
                and bar
                and width - bar >= 10
            ):  # the text will need the scrollbar: wrap at the width it leaves, once
                width -= bar
                self._lines = wrap_lines(self.doc.text, width)
            self._line_starts = [s for s, _ in self._lines]
        self._wrap_width = width
        self.virtual_size = Size(width + GUTTER, len(self._lines))

    def _size_updated(
        self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True
    ) -> bool:
        # Called in the layout pass, before the frame is rendered (the Resize event comes
        # after it): wrapping here puts the text into the first frame instead of the next.
        changed = super()._size_updated(size, virtual_size, container_size, layout)
        if self.doc is not None and size.width and self._text_width() != self._wrap_width:
            self._rewrap()
            self._scroll_pending = True  # scrolling waits for the Resize event
        return changed

    def on_resize(self, _event: Resize) -> None:
        if self._text_width() != self._wrap_width:
            self._rewrap()
            self._scroll_pending = True
        if self._scroll_pending:
            self._scroll_pending = False
            self.scroll_to_selection()
        self.refresh()

    def watch_show_vertical_scrollbar(self, _show: bool) -> None:
        # The scrollbar appears once the wrapped text is taller than the view: the text
        # width shrinks without a Resize event, so wrap again at the new width.
        if self.doc is not None and self._wrap_width and self._text_width() != self._wrap_width:
            self._rewrap()
            self.scroll_to_selection()

    def line_of(self, offset: int) -> int:
        return max(bisect.bisect_right(self._line_starts, offset) - 1, 0)

    def offset_at(self, x: int, y: int) -> int | None:
        """Character offset under content coordinates (scroll included)."""
        if not self._lines or self.doc is None:
            return None
        y = min(max(y, 0), len(self._lines) - 1)
        s, e = self._lines[y]
        return s + min(max(x - GUTTER, 0), e - s)

    # --- rendering ---------------------------------------------------------------------------

    def _style(self, key: tuple) -> Style:
        st = self._styles.get(key)
        if st is not None:
            return st
        kind = key[0]
        base = self.rich_style
        bg = Color.from_rich_color(base.bgcolor) if base.bgcolor else Color(30, 30, 30)
        if kind == "code":
            color, selected = key[1], key[2]
            c = Color.parse(color)
            if selected:
                st = Style(
                    bgcolor=c.blend(bg, 0.15).rich_color,
                    color=c.blend(bg, 0.15).get_contrast_text(1.0).rich_color,
                    bold=True,
                )
            else:
                back = c.blend(bg, 0.55)
                st = Style(bgcolor=back.rich_color, color=back.get_contrast_text(0.95).rich_color)
        elif kind == "sel":
            sel = Color.parse("#3B6EA8")
            st = Style(bgcolor=sel.rich_color, color="#FFFFFF", bold=True)
        elif kind == "stripe":
            st = Style(color=Color.parse(key[1]).rich_color, bgcolor=base.bgcolor)
        elif kind == "dim":
            st = Style(color="#7A7A7A", bgcolor=base.bgcolor, italic=True)
        elif kind == "mark":
            st = Style(color="#6FA8DC", bgcolor=base.bgcolor, bold=True)
        else:
            st = Style(color=base.color, bgcolor=base.bgcolor)
        self._styles[key] = st
        return st

    def notify_style_update(self) -> None:
        # The base colours change with :focus (background tint) and the theme: derive again.
        self._styles.clear()
        super().notify_style_update()

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        idx = scroll_y + y
        width = self.scrollable_content_region.width
        plain = self._style(("plain",))
        if self.doc is None or idx >= len(self._lines):
            if self.doc is None and y == 0:
                return Strip(
                    [Segment("  no document open — pick one on the left", plain)]
                ).extend_cell_length(width, plain)
            return Strip.blank(width, plain)
        doc = self.doc
        s, e = self._lines[idx]
        pieces = doc.covering(s, e) if e > s else []
        # gutter: distinct codes touching the line (a blank line shows nothing)
        seen: list[int] = []
        for _a, _b, act in pieces:
            for i in act:
                cid = doc.spans[i].code_id
                if cid not in seen:
                    seen.append(cid)
        segs: list[Segment] = []
        colors = doc.colors
        for k in range(3):
            if k < len(seen):
                ch = "+" if k == 2 and len(seen) > 3 else "┃"
                segs.append(Segment(ch, self._style(("stripe", colors[seen[k]]))))
            else:
                segs.append(Segment(" ", plain))
        ss, se = self.sel
        in_sel = ss < se and s < se and e > ss or (ss == se and s <= ss < max(e, s + 1))
        segs.append(Segment("▌" if in_sel else " ", self._style(("mark",)) if in_sel else plain))
        text = doc.text
        for a, b, act in pieces:
            # split each piece at the selection bounds
            cuts = sorted({a, b, *(c for c in (ss, se) if a < c < b)})
            for p, q in zip(cuts, cuts[1:], strict=False):
                selected = ss <= p and q <= se and ss < se
                codes = [i for i in act if doc.spans[i].code != NOT_RELEVANT]
                if codes:
                    style = self._style(("code", doc.spans[codes[-1]].color, selected))
                elif act:  # marked not relevant only: dimmed, read but not coded
                    style = self._style(("sel",)) if selected else self._style(("dim",))
                elif selected:
                    style = self._style(("sel",))
                else:
                    style = plain
                segs.append(Segment(text[p:q], style))
        strip = Strip(segs)
        return strip.crop_extend(scroll_x, scroll_x + width, plain)

    # --- selection ---------------------------------------------------------------------------

    def _set_sel(self, sel: tuple[int, int], *, scroll: bool = True) -> None:
        if sel == self.sel:
            return
        self.sel = sel
        self.refresh()
        if scroll:
            self.scroll_to_selection()
        self.post_message(self.SelectionChanged(self, *sel))

    def select_range(self, start: int, end: int) -> None:
        if self.doc is None:
            return
        n = len(self.doc.text)
        start, end = max(0, min(start, n)), max(0, min(end, n))
        units = self.units
        starts = [u[0] for u in units]
        self.index = max(bisect.bisect_right(starts, start) - 1, 0)
        self._set_sel((start, end))
        self.scroll_to_selection()

    def scroll_to_selection(self) -> None:
        if not self._lines:
            return
        first, last = self.line_of(self.sel[0]), self.line_of(max(self.sel[1] - 1, self.sel[0]))
        height = self.scrollable_content_region.height or 10
        top = self.scroll_offset.y
        if first < top or last >= top + height:
            target = (
                first - 2
                if last - first + 3 >= height
                else max(first - (height - (last - first + 1)) // 3, 0)
            )
            self.scroll_to(y=max(target, 0), animate=False)

    def action_passage(self, step: int) -> None:
        units = self.units
        if not units:
            return
        if 0 <= self.index < len(units) and units[self.index] == self.sel:
            self.index = max(0, min(self.index + step, len(units) - 1))
        else:  # from a free or extended selection: the passage after its end / before its start
            s, e = self.sel
            if step > 0:
                nxt = next((i for i, u in enumerate(units) if u[0] >= e), None)
                self.index = nxt if nxt is not None else len(units) - 1
            else:
                prev = [i for i, u in enumerate(units) if u[0] < s]
                self.index = prev[-1] if prev else 0
        self._set_sel(units[self.index])

    def goto_passage(self, index: int) -> None:
        units = self.units
        if units:
            self.index = max(0, min(index, len(units) - 1))
            self._set_sel(units[self.index])

    def action_first(self) -> None:
        self.goto_passage(0)

    def action_last(self) -> None:
        self.goto_passage(len(self.units) - 1)

    def action_page(self, step: int) -> None:
        height = self.scrollable_content_region.height or 10
        self.scroll_to(y=self.scroll_offset.y + step * (height - 1), animate=False)

    def action_extend(self, step: int) -> None:
        units = self.units
        if not units:
            return
        s, e = self.sel
        if step > 0:
            nxt = next((u for u in units if u[1] > e), None)
            if nxt:
                self._set_sel((s, nxt[1]))
        else:
            prev = next((u for u in reversed(units) if u[0] < s), None)
            if prev:
                self._set_sel((prev[0], e))

    def _word_bound(self, pos: int, step: int) -> int:
        assert self.doc is not None
        text = self.doc.text
        if step > 0:
            m = _WORD.search(text, pos)
            if m is None:
                return len(text)
            return m.end()
        # the end of the last whole word before pos: a search window cut at pos (or pos-1)
        # would end a word in its middle ("geschic|kt")
        ends = [m.end() for m in _WORD.finditer(text, max(0, pos - 200), pos) if m.end() < pos]
        return ends[-1] if ends else 0

    def action_word_end(self, step: int) -> None:
        if self.doc is None:
            return
        s, e = self.sel
        ne = self._word_bound(e, step)
        if ne > s:
            self._set_sel((s, ne))

    def action_word_start(self, step: int) -> None:
        if self.doc is None:
            return
        s, e = self.sel
        text = self.doc.text
        if step > 0:
            m = next((m for m in _WORD.finditer(text, s, e) if m.start() > s), None)
            ns = m.start() if m else s
        else:
            starts = [m.start() for m in _WORD.finditer(text, max(0, s - 200), s) if m.start() < s]
            ns = starts[-1] if starts else 0
        if ns < e:
            self._set_sel((ns, e))

    def action_toggle_unit(self) -> None:
        if self.doc is None:
            return
        if self.unit == "paragraph" and not self.doc.sentences:
            self.post_message(self.SentencesNeeded(self))
            return
        self.unit = "sentence" if self.unit == "paragraph" else "paragraph"
        starts = [u[0] for u in self.units]
        self.index = max(bisect.bisect_right(starts, self.sel[0]) - 1, 0)
        if self.units:
            self._set_sel(self.units[self.index])
        self.app.notify(f"moving by {self.unit}")

    # --- mouse -------------------------------------------------------------------------------

    def _event_offset(self, event) -> int | None:
        pos = event.get_content_offset(self)
        if pos is None:
            return None
        return self.offset_at(pos.x + self.scroll_offset.x, pos.y + self.scroll_offset.y)

    def on_mouse_down(self, event: MouseDown) -> None:
        off = self._event_offset(event)
        if off is None:
            return
        self.focus()
        self._drag_anchor = off
        self.capture_mouse()

    def on_mouse_move(self, event: MouseMove) -> None:
        if self._drag_anchor is None:
            return
        off = self._event_offset(event)
        if off is None:
            return
        a = self._drag_anchor
        self._set_sel((min(a, off), max(a, off)), scroll=False)

    def on_mouse_up(self, event: MouseUp) -> None:
        if self._drag_anchor is None:
            return
        self.release_mouse()
        off = self._event_offset(event)
        a = self._drag_anchor
        self._drag_anchor = None
        if off is None:
            return
        if off == a:  # a click selects the passage under the pointer
            starts = [u[0] for u in self.units]
            i = bisect.bisect_right(starts, off) - 1
            if i >= 0 and self.units[i][0] <= off < self.units[i][1]:
                self.index = i
                self._set_sel(self.units[i], scroll=False)
            return
        self._set_sel((min(a, off), max(a, off)), scroll=False)
