"""The memo of a coded segment, from the text: `o` on a coding (a mixin of the coding screen).

One memo per coded segment (``Coding.memo``, what `qualcode code --memo` writes and REFI
exports as the selection's description); memos added with `memo add --coding` are shown
above the editor. `codings --json` lists both.
"""

from __future__ import annotations

from typing import Any


class CodingMemoActions:
    """`o` in the text: the memo of the coding under the cursor (choose one if several)."""

    doc: Any
    app: Any

    def action_coding_memo(self) -> None:
        self._choose_span("Memo on which coding?", self._edit_coding_memo)  # type: ignore[attr-defined]

    def _edit_coding_memo(self, sp: Any) -> None:
        from qualcode.memos import coding_notes
        from qualcode.models import Coding
        from qualcode.tui.screens.memo import MemoScreen

        def read(session) -> tuple[str, list[str]]:
            coding = session.get(Coding, sp.id)
            return (coding.memo if coding else ""), coding_notes(session, [sp.id]).get(sp.id, [])

        text, notes = self.app.read(read)
        title = f"Memo on the coding {sp.code} ({sp.coder}, {sp.start}–{sp.end})"
        if notes:
            title += "\n" + "\n".join(f"· {n}" for n in notes)

        def done(new: str | None) -> None:
            if new is None or new.strip() == text:
                return
            from qualcode.memos import set_coding_memo

            ok, _ = self.app.act(
                f"tui: memo on coding {sp.id}", lambda s: set_coding_memo(s, sp.id, new)
            )
            if ok:
                self.notify("memo saved" if new.strip() else "memo deleted")  # type: ignore[attr-defined]

        self.app.push_screen(MemoScreen(title, text), done)
