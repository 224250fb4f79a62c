"""Numbers as a report in German or English writes them: one function for every writer.

German: decimal comma, thousands dot, a space before the per cent sign ("1.234", "50,0 %",
"κ = 0,851"); English: "1,234", "50.0%", "κ = 0.851". Markdown, HTML, DOCX and the charts'
labels use these; XLSX keeps real numbers with a number format and CSV keeps its own
convention (``--excel``: decimal comma, no thousands separator).
"""

from __future__ import annotations

LANGS = ("de", "en")


def num(value: float | int, decimals: int = 0, lang: str = "de") -> str:
    """``value`` with ``decimals`` places and a thousands separator, as ``lang`` writes it."""
    s = f"{value:,.{decimals}f}"  # 1,234.5
    if lang == "de":
        s = s.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return s


def pct(share: float, decimals: int = 1, lang: str = "de") -> str:
    """A share (0.5) as a percentage: "50,0 %" (German) or "50.0%" (English)."""
    s = num(100 * share, decimals, lang)
    return f"{s} %" if lang == "de" else f"{s}%"


def coef(value: float | None, decimals: int = 3, lang: str = "de") -> str:
    """A coefficient (kappa, alpha, G²); "—" when it is undefined."""
    return "—" if value is None else num(value, decimals, lang)


def tr(lang: str, de: str, en: str) -> str:
    """The German or the English wording."""
    return de if lang == "de" else en
