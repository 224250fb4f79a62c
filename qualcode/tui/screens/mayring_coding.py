"""The coding screen with Mayring's steps: the active research question, revision
checkpoints, blind check samples, the consensus view and case summaries.

A subclass of :class:`~qualcode.tui.screens.coding.CodingScreen` (which stays as it is):
its keys are added here, each step has a screen module of its own.
"""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.binding import Binding
from textual.widgets import Static

from qualcode.tui.screens.coding import CodingScreen


class MayringCodingScreen(CodingScreen):
    BINDINGS = [
        Binding("R", "next_question", "Research question: next", show=False),
        Binding("S", "case_summary", "Case summary (document × category)", show=False),
        Binding("B", "blind_check", "Blind check: re-code a check sample", show=False),
        Binding(
            "f7", "checkpoint_diff", "Checkpoint: what changed since", key_display="F7", show=False
        ),
        Binding("f8", "disagreements", "Check sample: disagreements", key_display="F8", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.questions: list[dict] = []
        self.active_rq: int | None = None
        self._rq_of_code: dict[str, int] = {}

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#center").mount(Static("", id="rq-bar"), after="#doc-title")
        self.load_questions()
        sample = getattr(self.app, "sample", None)
        if sample:
            from qualcode.tui.screens.blind_check import BlindCheckScreen

            self.app.push_screen(BlindCheckScreen(sample))

    # --- the active research question ---------------------------------------------------------

    def load_questions(self) -> None:
        """The questions and their top categories (plain SQL: also before the engine is open)."""
        self.questions, self._rq_of_code = self.app.query_data(_questions)  # type: ignore[attr-defined]
        ids = [q["id"] for q in self.questions]
        if self.active_rq not in ids:
            self.active_rq = ids[0] if ids else None
        self.update_rq_bar()

    def question_of(self, path: str) -> int | None:
        for top, rq in self._rq_of_code.items():
            if path == top or path.startswith(top + "/"):
                return rq
        return None

    def update_rq_bar(self) -> None:
        bars = self.query("#rq-bar")
        if not bars:
            return
        bar = bars.first(Static)
        q = next((q for q in self.questions if q["id"] == self.active_rq), None)
        bar.display = q is not None
        if q is None:
            return
        t = Text()
        t.append(f"{q['name']} ", style="bold")
        t.append(f"({'induktiv' if q['technique'] == 'inductive' else 'deduktiv'}) ", style="dim")
        t.append(q["question"] or "")
        if q["criterion"]:
            t.append("  · Kriterium: ", style="dim")
            t.append(q["criterion"])
        bar.update(t)

    def action_next_question(self) -> None:
        if not self.questions:
            self.notify("no research questions yet — `qualcode rq add NAME --question …`")
            return
        ids = [q["id"] for q in self.questions]
        pos = ids.index(self.active_rq) if self.active_rq in ids else -1
        self.active_rq = ids[(pos + 1) % len(ids)]
        self.update_rq_bar()

    def apply_code(self, path: str, *, create: bool = False, force: bool = False) -> bool:
        ok = super().apply_code(path, create=create, force=force)
        rq = self.question_of(path) if ok else None
        if rq is not None and rq != self.active_rq:  # coding for another question makes it active
            self.active_rq = rq
            self.update_rq_bar()
        return ok

    # --- revision checkpoints -----------------------------------------------------------------

    def after_change(self) -> None:
        super().after_change()
        if self.questions:
            self.check_due()

    @work(thread=True, exclusive=True, group="checkpoint-due")
    def check_due(self) -> None:
        from qualcode.database import reading
        from qualcode.mayring.revision import checkpoint_due

        try:
            with reading(self.app.engine) as session:  # type: ignore[attr-defined]
                due = checkpoint_due(session)
        except Exception:
            return
        if due is not None:
            self.app.call_from_thread(self._offer_checkpoint, due)

    def _offer_checkpoint(self, due: dict) -> None:
        from qualcode.mayring.checkpoints import create_checkpoint
        from qualcode.mayring.revision import mark_offered
        from qualcode.tui.screens.confirm import ConfirmScreen

        if any(isinstance(s, ConfirmScreen) for s in self.app.screen_stack):
            return

        def done(yes: bool | None) -> None:
            def run(s):
                mark_offered(s, due["guid"])
                if yes:
                    return create_checkpoint(s, _free_name(s, due["name"]), self.coder,
                                             f"{due['rq']}: {due['share']:.0%} coded")  # fmt: skip
                return None

            ok, cp = self.app.act("tui: checkpoint" if yes else "tui: no checkpoint", run)  # type: ignore[attr-defined]
            if ok and cp:
                self.notify(f"stored checkpoint {cp['checkpoint']} — F7 shows what changes since")

        self.app.push_screen(
            ConfirmScreen(
                f"{due['rq']} has passed {due['threshold']:.0%} of the material "
                f"({due['share']:.0%} coded). Mayring revises the category system now: "
                f"store the checkpoint {due['name']!r}?",
                yes="Store (y)",
                no="Not now (n)",
            ),
            done,
        )

    def action_checkpoint_diff(self) -> None:
        from qualcode.mayring.checkpoints import diff_checkpoints, latest

        def run(s):
            name = latest(s)
            return None if name is None else diff_checkpoints(s, name)

        d = self.app.read(run)  # type: ignore[attr-defined]
        if d is None:
            self.notify(
                "no checkpoint yet — `qualcode checkpoint NAME` stores one", severity="warning"
            )
            return
        from qualcode.tui.screens.checkpoint_diff import CheckpointDiffScreen

        self.app.push_screen(CheckpointDiffScreen(d))

    # --- check samples, consensus, summaries --------------------------------------------------

    def _samples(self) -> list[dict]:
        from qualcode.mayring.samples import list_samples

        return self.app.read(list_samples)  # type: ignore[attr-defined]

    def _choose_sample(self, rows: list[dict], title: str, then) -> None:
        if len(rows) == 1:
            then(rows[0]["name"])
            return
        from qualcode.tui.screens.prompt import ChooseScreen

        items = [
            f"{r['name']}  {r['kind']}, {r['coder']}, {r['done']}/{r['passages']} re-coded"
            for r in rows
        ]
        self.app.push_screen(
            ChooseScreen(title, items), lambda i: then(rows[i]["name"]) if i is not None else None
        )  # type: ignore[arg-type]

    def action_blind_check(self) -> None:
        rows = [r for r in self._samples() if r["coder"] == self.coder]
        if not rows:
            self.notify(
                f"no check sample for {self.coder} — `qualcode check-sample --coder {self.coder} --share 0.1`",
                severity="warning",
            )
            return
        from qualcode.tui.screens.blind_check import BlindCheckScreen

        self._choose_sample(
            rows,
            "Re-code which sample (blind)?",
            lambda n: self.app.push_screen(BlindCheckScreen(n)),
        )

    def action_disagreements(self) -> None:
        rows = [r for r in self._samples() if r["done"]]
        if not rows:
            self.notify("no re-coded check sample yet (B re-codes one blind)", severity="warning")
            return
        from qualcode.tui.screens.disagreements import DisagreementScreen

        self._choose_sample(
            rows,
            "Disagreements of which sample?",
            lambda n: self.app.push_screen(DisagreementScreen(n)),
        )

    def action_case_summary(self) -> None:
        row = self._highlighted()
        if self.doc is None or row is None:
            self.notify(
                "highlight a category in the code tree (T) and open a document", severity="warning"
            )
            return
        from qualcode.tui.screens.case_summary import CaseSummaryScreen

        self.app.push_screen(CaseSummaryScreen(self.doc.id, self.doc.name, row["id"], row["path"]))

    def reload_all(self) -> None:
        super().reload_all()
        self.load_questions()


def _questions(src) -> tuple[list[dict], dict[str, int]]:
    from qualcode.textutil import join_path
    from qualcode.tui.data import rows

    qs = [
        dict(zip(("id", "name", "question", "technique", "criterion"), r, strict=True))
        for r in rows(
            src,
            "SELECT id, name, question, technique, criterion FROM research_question "
            "ORDER BY position, id",
        )  # fmt: skip
    ]
    tops = rows(src, "SELECT name, research_question_id FROM code "
                     "WHERE parent_id IS NULL AND research_question_id IS NOT NULL")  # fmt: skip
    return qs, {join_path([name]): rq for name, rq in tops}


def _free_name(session, name: str) -> str:
    from sqlalchemy import select

    from qualcode.mayring.tables import Checkpoint

    taken = set(session.execute(select(Checkpoint.name)).scalars())
    out, n = name, 2
    while out in taken:
        out, n = f"{name} ({n})", n + 1
    return out
