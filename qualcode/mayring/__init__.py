"""Mayring's qualitative content analysis, guided: the method's steps as objects.

- :mod:`.questions` — research questions (technique, selection criterion, abstraction
  level, units); each top category belongs to one;
- :mod:`.checkpoints` — named snapshots of the category system and their diff;
- :mod:`.samples` — reproducible check samples, blind re-coding, agreement on a sample,
  consensus;
- :mod:`.summaries` — case summaries per document × category.

Core: no Textual, no Typer (checked by import-linter in `make check`).
"""
