"""A small boolean query language shared by document-set rules and code retrieval.

``A AND B``, ``A OR B``, ``A NOT B`` (A without B), ``NOT A``, ``A NEAR/2 B`` and
parentheses. Operators are written in capitals; everything between them is one
operand, spaces included, so ``Herausforderungen und Hindernisse/Zeitmangel AND
Personalmangel`` has two operands. Quote an operand (``"…"`` or ``'…'``) that
contains a capital operator word or a parenthesis. Precedence, from loose to tight:
``OR``, then ``AND``/``NOT``, then ``NEAR/n``; unary ``NOT`` binds tightest.

The parser returns a tree of tuples that the callers evaluate on their own values
(sets of documents, lists of coded segments):

- ``("term", text)``
- ``("and" | "or" | "minus", left, right)``
- ``("near", left, right, n)``
- ``("not", operand)``
"""

from __future__ import annotations

import re
from typing import Any

from qualcode.errors import InvalidInput

Node = tuple[Any, ...]

_NEAR = re.compile(r"NEAR/(\d+)$")
_TOKEN = re.compile(r'"[^"]*"|\'[^\']*\'|\(|\)|[^\s()"\']+')


def _tokens(query: str) -> list[tuple[str, str]]:
    """``(kind, text)``: kind is op, lparen, rparen or word (quoted words keep their spaces)."""
    out: list[tuple[str, str]] = []
    pos = 0
    for m in _TOKEN.finditer(query):
        between = query[pos : m.start()]
        if between.strip():
            raise InvalidInput(
                f"unbalanced quote in {query!r}", 'close every quote, e.g. "Kategorie (alt)"'
            )
        pos = m.end()
        t = m.group()
        if t == "(":
            out.append(("lparen", t))
        elif t == ")":
            out.append(("rparen", t))
        elif t[0] in "\"'":
            out.append(("quoted", t[1:-1]))
        elif t in ("AND", "OR", "NOT") or _NEAR.match(t):
            out.append(("op", t))
        else:
            out.append(("word", t))
    if query[pos:].strip():
        raise InvalidInput(
            f"unbalanced quote in {query!r}", 'close every quote, e.g. "Kategorie (alt)"'
        )
    # Runs of words (and quoted parts) form one operand.
    merged: list[tuple[str, str]] = []
    for kind, text in out:
        if kind in ("word", "quoted") and merged and merged[-1][0] == "term":
            merged[-1] = ("term", merged[-1][1] + " " + text)
        elif kind in ("word", "quoted"):
            merged.append(("term", text))
        else:
            merged.append((kind, text))
    return merged


class _Parser:
    def __init__(self, query: str, what: str) -> None:
        self.query = query
        self.what = what
        self.toks = _tokens(query)
        self.i = 0

    def error(self, problem: str) -> InvalidInput:
        return InvalidInput(
            f"cannot read the {self.what} {self.query!r}: {problem}",
            "write e.g. A AND B, A OR B, A NOT B, A NEAR/2 B, (A OR B) AND C — operators in capitals",
        )

    def peek(self) -> tuple[str, str] | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> tuple[str, str]:
        t = self.toks[self.i]
        self.i += 1
        return t

    def parse(self) -> Node:
        if not self.toks:
            raise self.error("it is empty")
        node = self.or_()
        if self.peek() is not None:
            raise self.error(f"unexpected {self.peek()[1]!r}")  # type: ignore[index]
        return node

    def or_(self) -> Node:
        node = self.and_()
        while self.peek() == ("op", "OR"):
            self.take()
            node = ("or", node, self.and_())
        return node

    def and_(self) -> Node:
        node = self.near()
        while self.peek() in (("op", "AND"), ("op", "NOT")):
            op = self.take()[1]
            if op == "AND" and self.peek() == ("op", "NOT"):  # A AND NOT B = A NOT B
                self.take()
                op = "NOT"
            node = ("and" if op == "AND" else "minus", node, self.near())
        return node

    def near(self) -> Node:
        node = self.unary()
        while (t := self.peek()) is not None and t[0] == "op" and _NEAR.match(t[1]):
            n = int(_NEAR.match(self.take()[1]).group(1))  # type: ignore[union-attr]
            node = ("near", node, self.unary(), n)
        return node

    def unary(self) -> Node:
        t = self.peek()
        if t is None:
            raise self.error("it ends with an operator")
        if t == ("op", "NOT"):
            self.take()
            return ("not", self.unary())
        if t[0] == "lparen":
            self.take()
            node = self.or_()
            if self.peek() is None or self.peek()[0] != "rparen":  # type: ignore[index]
                raise self.error("a '(' is not closed")
            self.take()
            return node
        if t[0] == "term":
            self.take()
            return ("term", t[1].strip())
        raise self.error(f"unexpected {t[1]!r}")


def parse(query: str, what: str = "query") -> Node:
    """The tree of ``query`` (``what`` names it in error messages)."""
    return _Parser(query, what).parse()


def terms(node: Node) -> list[str]:
    """The operands of a tree, left to right."""
    if node[0] == "term":
        return [node[1]]
    return [t for child in node[1:] if isinstance(child, tuple) for t in terms(child)]
