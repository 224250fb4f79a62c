"""REFI-QDA exchange (QDA-XML 1.0): codebooks (.qdc) and projects (.qdpx).

The standard MAXQDA, ATLAS.ti, NVivo and QualCoder share. :mod:`.export` writes
files that validate against the schemas in ``schema/``; :mod:`.import_` reads
files of other tools defensively (:mod:`.safety`) and merges them into a project
in one transaction.
"""

from __future__ import annotations

from pathlib import Path

SCHEMA_DIR = Path(__file__).resolve().parent / "schema"
CODEBOOK_XSD = SCHEMA_DIR / "Codebook.xsd"
PROJECT_XSD = SCHEMA_DIR / "Project.xsd"
