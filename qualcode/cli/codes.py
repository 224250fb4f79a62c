"""`qualcode codes …`: the code tree."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from qualcode.cli.app import JsonOpt, app, output, state, table

if TYPE_CHECKING:
    from qualcode.schemas.codes import (
        CodeDeleted,
        CodeDetail,
        CodeEdited,
        CodeMoved,
        CodeRef,
        CodeRow,
    )

codes_app = typer.Typer(
    help="Create, list, edit, rename, move and delete codes.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(codes_app, name="codes")

_Desc = typer.Option(None, "--description", help="What the code is about.")
_Def = typer.Option(
    None, "--definition", help="Definition (Mayring: what belongs to the category)."
)
_Anchor = typer.Option(None, "--anchor", help="Anchor example: a typical quotation.")
_Rule = typer.Option(None, "--rule", help="Coding rule: how to decide borderline cases.")
_Color = typer.Option(None, "--color", help="Colour as #RRGGBB.")


@codes_app.command("add")
def codes_add(
    path: str = typer.Argument(
        ..., help="Code path, e.g. 'Herausforderungen und Hindernisse/Zeitmangel'."
    ),
    description: str = _Desc,
    definition: str = _Def,
    anchor: str = _Anchor,
    rule: str = _Rule,
    color: str = _Color,
    group: bool = typer.Option(
        False, "--group", help="A category that only groups sub-codes (not codable itself)."
    ),
    force: bool = typer.Option(
        False,
        "--force",
        help="Create it even when an existing code differs only by case, accents or a typo.",
    ),
    as_json: bool = JsonOpt,
) -> None:
    """Create a code; missing parent categories are created too.

    A name that differs from an existing code's only by case, accents or one typing slip
    is refused (naming that code) unless --force."""
    from qualcode.codebook import CodeTree, add_code

    with state().write() as session:
        code = add_code(
            session,
            path,
            description=description,
            definition=definition,
            anchor=anchor,
            rule=rule,
            color=color,
            codable=not group,
            force=force,
        )
        p = CodeTree.load(session).path(code)
    added: CodeRef = {"id": code.id, "code": p}  # type: ignore[typeddict-item]
    output(added, as_json, lambda d: f"created {d['code']} (id {d['id']})")


@codes_app.command("list")
def codes_list(as_json: bool = JsonOpt) -> None:
    """All codes in tree order with their codings and documents."""
    from qualcode.codebook import list_codes

    with state().read() as session:
        rows: list[CodeRow] = [
            {
                "id": r["id"],
                "code": r["path"],
                "name": r["name"],
                "parent": r["parent"],
                "depth": r["depth"],
                "color": r["color"],
                "codable": r["codable"],
                "codings": r["codings"],
                "documents": r["documents"],
            }
            for r in list_codes(session)
        ]
    output(
        rows,
        as_json,
        lambda rs: table(
            [
                [r["id"], "  " * (r["depth"] - 1) + r["name"], r["codings"], r["documents"]]
                for r in rs
            ],
            ["id", "code", "codings", "documents"],
            align="rlrr",
        ),
    )


@codes_app.command("show")
def codes_show(path: str = typer.Argument(..., help="Code path."), as_json: bool = JsonOpt) -> None:
    """Definition, anchor example, coding rule, counts and memos of a code."""
    from qualcode.codebook import show_code

    with state().read() as session:
        info = show_code(session, path)
    d: CodeDetail = {
        "id": info["id"],
        "code": info["path"],
        "name": info["name"],
        "parent": info["parent"],
        "subcode_paths": info["children"],
        "description": info["description"],
        "definition": info["definition"],
        "anchor": info["anchor"],
        "rule": info["rule"],
        "color": info["color"],
        "codable": info["codable"],
        "guid": info["guid"],
        "created_at": info["created"],
        "codings": info["codings"],
        "documents": info["documents"],
        "memos": info["memos"],
    }

    def human(d: dict) -> str:
        lines = [
            f"{d['code']}  (id {d['id']}, {d['color']}, {d['codings']} codings in {d['documents']} documents)"
        ]
        for key, label in (
            ("description", "Description"),
            ("definition", "Definition"),
            ("anchor", "Anchor example"),
            ("rule", "Coding rule"),
        ):
            if d[key]:
                lines.append(f"{label}: {d[key]}")
        if d["subcode_paths"]:
            lines.append("Sub-codes: " + ", ".join(d["subcode_paths"]))
        lines += [f"Memo: {m['text']}" for m in d["memos"]]
        return "\n".join(lines)

    output(d, as_json, human)


@codes_app.command("edit")
def codes_edit(
    path: str = typer.Argument(..., help="Code path."),
    description: str = _Desc,
    definition: str = _Def,
    anchor: str = _Anchor,
    rule: str = _Rule,
    color: str = _Color,
    codable: bool = typer.Option(
        None, "--codable/--group", help="Whether passages can be coded with it."
    ),
    as_json: bool = JsonOpt,
) -> None:
    """Change the definition, anchor example, coding rule, description or colour."""
    from qualcode.codebook import CodeTree, edit_code

    given = {
        "description": description,
        "definition": definition,
        "anchor": anchor,
        "rule": rule,
        "color": color,
        "codable": codable,
    }
    with state().write() as session:
        code = edit_code(
            session,
            path,
            description=description,
            definition=definition,
            anchor=anchor,
            rule=rule,
            color=color,
            codable=codable,
        )
        edited: CodeEdited = {
            "id": code.id,  # type: ignore[typeddict-item]
            "code": CodeTree.load(session).path(code),
            "fields": [k for k, v in given.items() if v is not None],
        }
    output(edited, as_json, lambda d: f"updated {path}")


@codes_app.command("rename")
def codes_rename(
    path: str = typer.Argument(..., help="Code path."),
    new: str = typer.Argument(..., help="The new name (not a path)."),
    force: bool = typer.Option(
        False,
        "--force",
        help="Rename even when another code's name differs only by case, accents or a typo.",
    ),
    as_json: bool = JsonOpt,
) -> None:
    """Rename a code (its codings stay)."""
    from qualcode.codebook import CodeTree, rename_code

    with state().write() as session:
        before = CodeTree.load(session)
        old = before.path(before.resolve(path))
        code = rename_code(session, path, new, force=force)
        p = CodeTree.load(session).path(code)
        cid = code.id
    renamed: CodeMoved = {"id": cid, "code": p, "old_code": old}  # type: ignore[typeddict-item]
    output(renamed, as_json, lambda d: f"renamed {path} → {p}")


@codes_app.command("move")
def codes_move(
    path: str = typer.Argument(..., help="Code path."),
    new_parent: str = typer.Argument(..., help="The new parent's path, or '/' for the top level."),
    as_json: bool = JsonOpt,
) -> None:
    """Move a code (with its sub-codes) under another category."""
    from qualcode.codebook import CodeTree, move_code

    with state().write() as session:
        before = CodeTree.load(session)
        old = before.path(before.resolve(path))
        code = move_code(session, path, new_parent)
        p = CodeTree.load(session).path(code)
        cid = code.id
    moved: CodeMoved = {"id": cid, "code": p, "old_code": old}  # type: ignore[typeddict-item]
    output(moved, as_json, lambda d: f"moved {path} → {p}")


@codes_app.command("delete")
def codes_delete(
    path: str = typer.Argument(..., help="Code path."),
    force: bool = typer.Option(False, "--force", help="Also delete its codings and sub-codes."),
    as_json: bool = JsonOpt,
) -> None:
    """Delete a code. Refused while it has codings or sub-codes, unless --force."""
    from qualcode.codebook import CodeTree, delete_code

    with state().write() as session:
        tree = CodeTree.load(session)
        code = tree.resolve(path)
        cid, full = code.id, tree.path(code)
        n = delete_code(session, path, force=force)
    deleted: CodeDeleted = {
        "id": cid,  # type: ignore[typeddict-item]
        "code": full,
        "deleted": True,
        "codes": n["codes"],
        "codings": n["codings"],
    }
    output(
        deleted,
        as_json,
        lambda d: (
            f"deleted {path} ({n['codes']} codes, {n['codings']} codings) — `qualcode undo` brings it back"
        ),
    )
