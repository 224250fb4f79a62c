"""The code tree with counts (codings · documents), collapsible, filter-as-you-type."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Tree
from textual.widgets.tree import TreeNode


class CodeTree(Tree[int]):
    """Tree of codes; node data is the code id."""

    BINDINGS = [
        Binding("enter", "screen.apply_highlighted", "Code selection", show=False),
        Binding("space", "toggle_node", "Expand/collapse", show=False),
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("a", "screen.add_code", "Add code", show=False),
        Binding("r", "screen.rename_code", "Rename", show=False),  # F2: the documents panel
        Binding("m", "screen.move_code", "Move", show=False),
        Binding("M", "screen.merge_code", "Merge into…", show=False),
        Binding("delete,d", "screen.delete_code", "Delete", show=False),
        Binding("e", "screen.edit_code", "Definition/anchor/rule", show=False),
        Binding("o", "screen.code_memo", "Memo", show=False),
        Binding("v", "screen.retrieve", "Segments (retrieval)", show=False),
        Binding("slash", "focus_filter", "Filter", show=False),
    ]

    class Highlighted(Message):
        def __init__(self, code_id: int | None) -> None:
            super().__init__()
            self.code_id = code_id

    def __init__(self, **kw) -> None:
        super().__init__("codes", **kw)
        self.show_root = False
        self.guide_depth = 2
        self.rows: list[dict] = []
        self.by_id: dict[int, dict] = {}
        self.filter = ""
        self._collapsed: set[int] = set()
        self._structure: list[tuple] = []
        self.near: set[int] = set()
        self.recent: list[str] = []  # recently used code paths (keys 1–9)

    def load(self, rows: list[dict]) -> None:
        structure = [(r["id"], r["path"], r["color"], r["codable"], r.get("memo")) for r in rows]
        same = structure == self._structure
        self.rows = rows
        self.by_id = {r["id"]: r for r in rows}
        self._structure = structure
        if not same:
            self.near = self._near_duplicates()
        if same:  # only the counts changed: relabel in place (keeps cursor, scroll, expansion)
            self._relabel()
            return
        self.rebuild()

    def _relabel(self) -> None:
        totals = self._totals()
        parents = {r["parent"] for r in self.rows}
        for node in self._tree_nodes.values():
            r = self.by_id.get(node.data) if node.data is not None else None
            if r is not None:
                node.set_label(self.label_for(r, totals[r["id"]][0], r["path"] in parents))

    def on_resize(self) -> None:
        if self.rows:  # names are shortened to the width, so the counts stay visible
            self._relabel()

    def _near_duplicates(self) -> set[int]:
        """Codes whose name nearly equals another's ("Zeitmangel" ~ "Zeit-Mangel"): merge candidates."""
        if len(self.rows) < 2:
            return set()
        from rapidfuzz import fuzz, process, utils

        names = [utils.default_process(r["name"]).replace(" ", "") for r in self.rows]
        n = len(names)
        if n > 150:  # C++ matrix (imports numpy); small trees stay in plain calls
            matrix = process.cdist(names, names, scorer=fuzz.ratio, score_cutoff=88)

            def score(i: int, j: int) -> float:
                return float(matrix[i][j])
        else:

            def score(i: int, j: int) -> float:
                return fuzz.ratio(names[i], names[j], score_cutoff=88)

        out: set[int] = set()
        for i in range(n):
            for j in range(i + 1, n):
                if score(i, j) and not self._related(self.rows[i], self.rows[j]):
                    out.update((self.rows[i]["id"], self.rows[j]["id"]))
        return out

    @staticmethod
    def _related(a: dict, b: dict) -> bool:
        return a["path"].startswith(b["path"] + "/") or b["path"].startswith(a["path"] + "/")

    def _totals(self) -> dict[int, tuple[int, int]]:
        """Codings of the code and all its sub-codes (documents are not additive: own count shown)."""
        tot = {r["id"]: r["codings"] for r in self.rows}
        by_path = {r["path"]: r["id"] for r in self.rows}
        for r in reversed(self.rows):
            if r["parent"] is not None and r["parent"] in by_path:
                tot[by_path[r["parent"]]] += tot[r["id"]]
        return {i: (n, self.by_id[i]["documents"]) for i, n in tot.items()}

    def label_for(self, row: dict, total: int, has_children: bool) -> Text:
        """``■ name ✎ ≈ [n]  codings·documents (Σtotal)``; a long name is shortened with
        "…" to the tree's width, so that the counts are never cut off."""
        from qualcode.textutil import split_path

        tail = Text()
        if row.get("memo"):
            tail.append(" ✎", style="yellow")
        if row["id"] in self.near:
            tail.append(" ≈", style="bold yellow")
        if row["path"] in self.recent[:9]:
            tail.append(f" [{self.recent.index(row['path']) + 1}]", style="bold cyan")
        if has_children and total != row["codings"]:
            tail.append(f"  {row['codings']}·{row['documents']} (Σ{total})", style="dim")
        else:
            tail.append(f"  {row['codings']}·{row['documents']}", style="dim")
        name = row["name"]
        width = self.scrollable_content_region.width
        if width > 0:  # guides (2 per level) + the colour mark; one cell to spare
            room = width - self.guide_depth * len(split_path(row["path"])) - 2 - len(tail) - 1
            if len(name) > room:
                name = name[: max(room - 1, 3)] + "…"
        t = Text()
        t.append("■ ", style=row["color"])
        t.append(name, style="" if row["codable"] else "italic")
        t.append_text(tail)
        return t

    def matches(self, row: dict) -> bool:
        """The filter finds the code (:mod:`qualcode.codematch`: prefixes and word starts,
        a typing slip; never a few scattered letters)."""
        if not self.filter:
            return True
        from qualcode.codematch import match_score

        return match_score(self.filter, row["path"]) is not None

    def best_match(self) -> int | None:
        """The id of the code the filter finds best (the cursor goes there)."""
        if not self.filter:
            return None
        from qualcode.codematch import rank

        ranked = rank(self.filter, [r["path"] for r in self.rows], limit=1)
        by_path = {r["path"]: r["id"] for r in self.rows}
        return by_path[ranked[0][0]] if ranked else None

    def rebuild(self) -> None:
        cur = self.best_match() or self.highlighted_id
        for node in self._tree_nodes.values():
            if node.data is not None and node.allow_expand and not node.is_expanded:
                self._collapsed.add(node.data)
            elif node.data is not None:
                self._collapsed.discard(node.data)
        self.clear()
        totals = self._totals()
        children: dict[str | None, list[dict]] = {}
        for r in self.rows:
            children.setdefault(r["parent"], []).append(r)
        keep: set[str] | None = None
        if self.filter:
            keep = set()
            for r in self.rows:
                if self.matches(r):
                    keep.add(r["path"])
                    p = r["parent"]
                    while p is not None:
                        keep.add(p)
                        p = next((x["parent"] for x in self.rows if x["path"] == p), None)
        target: TreeNode | None = None

        def add(parent_node: TreeNode, parent_path: str | None) -> None:
            nonlocal target
            for r in children.get(parent_path, []):
                if keep is not None and r["path"] not in keep:
                    continue
                kids = children.get(r["path"], [])
                label = self.label_for(r, totals[r["id"]][0], bool(kids))
                if kids:
                    node = parent_node.add(
                        label,
                        data=r["id"],
                        expand=keep is not None or r["id"] not in self._collapsed,
                    )
                    add(node, r["path"])
                else:
                    node = parent_node.add_leaf(label, data=r["id"])
                if r["id"] == cur:
                    target = node

        add(self.root, None)
        self.root.expand()
        if target is not None:
            self.call_after_refresh(self._restore_cursor, target)

    def _restore_cursor(self, node: TreeNode) -> None:
        try:
            self.move_cursor(node, animate=False)
        except TypeError:  # older signature
            self.move_cursor(node)

    def select_id(self, code_id: int) -> None:
        for node in self._tree_nodes.values():
            if node.data == code_id:
                p = node.parent
                while p is not None:
                    p.expand()
                    p = p.parent
                self.call_after_refresh(self._restore_cursor, node)
                return

    @property
    def highlighted_id(self) -> int | None:
        node = self.cursor_node
        return node.data if node is not None else None

    @property
    def highlighted_path(self) -> str | None:
        i = self.highlighted_id
        return self.by_id[i]["path"] if i in self.by_id else None

    def on_focus(self) -> None:
        if self.cursor_node is None and self.root.children:
            self.cursor_line = 0

    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted) -> None:
        self.post_message(self.Highlighted(event.node.data))

    def action_focus_filter(self) -> None:
        self.parent.query_one(Input).focus()  # type: ignore[union-attr]


class CodeTreePanel(Vertical):
    """Filter box above the tree."""

    DEFAULT_CSS = """
    CodeTreePanel > Input, CodeTreePanel > Input:focus { height: 1; border: none; padding: 0 1; margin: 0; }
    CodeTreePanel > Input:focus { background: $boost; }
    CodeTreePanel > CodeTree { height: 1fr; }
    """

    def compose(self) -> ComposeResult:
        yield Input(placeholder="/ filter codes…", id="code-filter")
        yield CodeTree(id="code-tree")

    @property
    def tree(self) -> CodeTree:
        return self.query_one(CodeTree)

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.tree.filter = event.value.strip()
        self.tree.rebuild()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.tree.focus()

    def on_key(self, event) -> None:
        if event.key in ("escape", "down") and isinstance(self.app.focused, Input):
            if event.key == "escape" and self.tree.filter:
                self.query_one(Input).value = ""
            self.tree.focus()
            event.stop()
