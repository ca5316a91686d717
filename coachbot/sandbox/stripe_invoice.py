"""Amounts, dates and intervals as Stripe's pages show them, and the invoice PDF that
Stripe's invoice PDF link gives."""

from __future__ import annotations

import io
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from babel.dates import format_date
from babel.numbers import format_currency
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

if TYPE_CHECKING:
    pass

# Stripe counts these currencies in whole units (its list); all others in hundredths.
ZERO_DECIMAL = frozenset(
    "bif clp djf gnf jpy kmf krw mga pyg rwf ugx vnd vuv xaf xof xpf".split()  # noqa: SIM905
)
LOCALES = ("en", "de")


def locale_of(obj: Mapping[str, Any]) -> str:
    locale = (obj.get("locale") or "en")[:2]
    return locale if locale in LOCALES else "en"


def amount_text(amount: int, currency: str, locale: str = "en") -> str:
    """4990 EUR: "€49.90" (en), "49,90 €" (de); 4990 JPY: "¥4,990"."""
    digits = 0 if currency.lower() in ZERO_DECIMAL else 2
    return format_currency(Decimal(amount).scaleb(-digits), currency.upper(), locale=locale)


def day_text(timestamp: int | None, locale: str = "en") -> str:
    if not timestamp:
        return ""
    return format_date(datetime.fromtimestamp(timestamp, UTC), format="medium", locale=locale)


def interval_text(price: Mapping[str, Any]) -> str:
    recurring = price.get("recurring")
    if not recurring:
        return ""
    count, unit = recurring["interval_count"], recurring["interval"]
    return f"per {unit}" if count == 1 else f"every {count} {unit}s"


def drawable(text: object) -> str:
    """`text` without what the PDF's standard fonts cannot draw (emoji, most scripts
    beyond Western European: they would show as black boxes), spaces tidied."""
    kept = str(text).encode("cp1252", "ignore").decode("cp1252")  # Helvetica's encoding
    return " ".join(kept.split())


def invoice_pdf(invoice: Mapping[str, Any], customer: Mapping[str, Any], business: str) -> bytes:
    """The invoice as a one-page PDF, as Stripe's invoice PDF link gives it."""
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, pageCompression=1)
    canvas.setTitle(f"Invoice {invoice['number']}")
    width, height = A4
    left, right = 20 * mm, width - 20 * mm
    y = height - 25 * mm
    canvas.setFont("Helvetica-Bold", 20)
    canvas.drawString(left, y, "Invoice")
    canvas.setFont("Helvetica", 10)
    canvas.drawRightString(right, y, drawable(business))
    y -= 9 * mm
    rows = (
        ("Invoice number", invoice["number"]),
        ("Date of issue", day_text(invoice["created"])),
        ("Billed to", " · ".join(v for v in (customer.get("name"), customer.get("email")) if v)),
        ("Status", invoice["status"]),
    )
    for label, value in rows:
        canvas.setFillGray(0.4)
        canvas.drawString(left, y, label)
        canvas.setFillGray(0)
        canvas.drawString(left + 40 * mm, y, drawable(value))
        y -= 6 * mm
    y -= 6 * mm
    canvas.setFont("Helvetica-Bold", 10)
    canvas.drawString(left, y, "Description")
    canvas.drawRightString(right, y, "Amount")
    canvas.line(left, y - 2 * mm, right, y - 2 * mm)
    canvas.setFont("Helvetica", 10)
    for line in invoice["lines"]["data"]:
        y -= 8 * mm
        period = line.get("period") or {}
        canvas.drawString(left, y, drawable(line.get("description") or ""))
        canvas.drawRightString(right, y, amount_text(line["amount"], line["currency"]))
        if period.get("start"):
            y -= 5 * mm
            canvas.setFillGray(0.4)
            canvas.drawString(
                left, y, f"{day_text(period['start'])} – {day_text(period.get('end'))}"
            )
            canvas.setFillGray(0)
    y -= 10 * mm
    canvas.line(left, y + 6 * mm, right, y + 6 * mm)
    canvas.setFont("Helvetica-Bold", 11)
    canvas.drawString(left, y, "Amount due" if invoice["status"] == "open" else "Amount paid")
    shown = invoice["amount_due"] if invoice["status"] == "open" else invoice["amount_paid"]
    canvas.drawRightString(right, y, amount_text(shown, invoice["currency"]))
    canvas.setFont("Helvetica-Oblique", 9)
    canvas.setFillGray(0.4)
    canvas.drawString(
        left, 15 * mm, "Sandbox invoice from a local stand-in for Stripe: no money was charged."
    )
    canvas.showPage()
    canvas.save()
    return out.getvalue()
