"""The quote PDF: a `QuoteSheet` laid out on A4 with the company's letterhead, by fpdf2.

The PDF embeds a subset of the font named by the KEHU_PDF_FONT setting, so it shows the same
Chinese text on any reader. Why fpdf2 and this font: docs/decisions/0012-quote-pdf.md.
"""

import functools
from pathlib import Path

from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import gettext as _
from fontTools.ttLib import TTCollection, TTFont, TTLibError
from fpdf import FPDF, FontFace
from fpdf.enums import Align, TableBordersLayout, TableHeadingsDisplay, XPos, YPos

from kehu.web.quote_sheet import QuoteSheet

FONT_FAMILY = "kehu-cjk"
# Characters a usable font must have: a quote's headings in Chinese and the yuan sign.
REQUIRED_CHARACTERS = "报价单您¥"
# The file name endings fpdf2 2.8 accepts for the font formats Kehu can read.
FONT_SUFFIXES = (".ttf", ".otf", ".ttc", ".otc")
# Sizes in points; lengths in millimetres.
LETTERHEAD_SIZE = 16
HEADING_SIZE = 12
TEXT_SIZE = 9
MARGIN = 15
GREY = (110, 110, 110)
HEADING_FILL = (235, 235, 235)
PLAIN = FontFace(emphasis="", fill_color=HEADING_FILL)
# Relative column widths of the line table, with and without the amount columns.
PRICED_WIDTHS = (40, 12, 8, 17, 10, 10, 18, 15, 18)
UNPRICED_WIDTHS = (64, 14, 10, 12, 12)


class PdfFontError(Exception):
    """No usable font for the PDF: the file is missing, unreadable or lacks Chinese characters."""


def _missing(path: Path) -> PdfFontError:
    return PdfFontError(
        _(
            "Cannot make the PDF: the font file %(path)s does not exist. Install the Debian "
            "package fonts-noto-cjk, or set KEHU_PDF_FONT to a TrueType or OpenType font file "
            "that covers Simplified Chinese."
        )
        % {"path": path}
    )


def _unreadable(path: Path) -> PdfFontError:
    return PdfFontError(
        _(
            "Cannot make the PDF: the font file %(path)s cannot be read as a TrueType or "
            "OpenType font. Set KEHU_PDF_FONT to a font file that covers Simplified Chinese, "
            "such as NotoSansCJK-Regular.ttc of the Debian package fonts-noto-cjk."
        )
        % {"path": path}
    )


def _not_chinese(path: Path) -> PdfFontError:
    return PdfFontError(
        _(
            "Cannot make the PDF: the font file %(path)s has no Simplified Chinese characters. "
            "Set KEHU_PDF_FONT to a font file that covers them, such as NotoSansCJK-Regular.ttc "
            "of the Debian package fonts-noto-cjk."
        )
        % {"path": path}
    )


def _covers(font: TTFont) -> bool:
    cmap = font.getBestCmap() or {}
    return all(ord(character) in cmap for character in REQUIRED_CHARACTERS)


def _is_simplified_chinese(font: TTFont) -> bool:
    """Return whether the face is a Simplified Chinese one, such as "Noto Sans CJK SC"."""
    family = font["name"].getBestFamilyName() or ""
    return bool(family.endswith(" SC"))


@functools.lru_cache(maxsize=4)
def _face_number(path: Path, modified: float) -> int:
    """Return the number of the face to use in the font file at `path`; 0 unless a collection.

    In a collection (.ttc) the first Simplified Chinese face that has REQUIRED_CHARACTERS wins,
    else the first face that has them: Noto CJK's Japanese face has every glyph too, but in
    Japanese shapes. `modified` is part of the cache key, so a replaced file is read again.
    """
    with path.open("rb") as file:
        is_collection = file.read(4) == b"ttcf"
    faces = TTCollection(path, lazy=True).fonts if is_collection else [TTFont(path, lazy=True)]
    try:
        covering = [number for number, face in enumerate(faces) if _covers(face)]
        preferred = [number for number in covering if _is_simplified_chinese(faces[number])]
    finally:
        # Lazy faces read their tables from the open file until they are closed.
        for face in faces:
            face.close()
    if not covering:
        raise _not_chinese(path)
    return (preferred or covering)[0]


def load_font(pdf: FPDF) -> None:
    """Add the KEHU_PDF_FONT font to `pdf` as FONT_FAMILY; raise PdfFontError if unusable.

    The fontTools error, if any, is the PdfFontError's cause, for the caller's log.
    """
    path = Path(settings.KEHU_PDF_FONT)
    if path.suffix.lower() not in FONT_SUFFIXES:
        raise _unreadable(path)
    try:
        number = _face_number(path, path.stat().st_mtime)
        pdf.add_font(FONT_FAMILY, fname=path, collection_font_number=number)
    except FileNotFoundError:
        raise _missing(path) from None
    except (OSError, TTLibError) as error:
        raise _unreadable(path) from error


class QuotePdf(FPDF):
    """An A4 page with the page number in the footer."""

    def footer(self) -> None:
        self.set_y(-MARGIN + 3)
        self.set_font(FONT_FAMILY, size=TEXT_SIZE - 1)
        self.set_text_color(*GREY)
        # fpdf2 replaces "{nb}" with the page count when it writes the document.
        text = _("Page %(number)s of %(count)s") % {"number": self.page_no(), "count": "{nb}"}
        self.cell(w=0, text=text, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _letterhead(pdf: FPDF, sheet: QuoteSheet) -> None:
    pdf.set_font(FONT_FAMILY, size=LETTERHEAD_SIZE)
    if sheet.company_name:
        pdf.multi_cell(
            w=0, text=sheet.company_name, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
    pdf.set_draw_color(*GREY)
    pdf.line(pdf.l_margin, pdf.get_y() + 1, pdf.w - pdf.r_margin, pdf.get_y() + 1)
    pdf.ln(4)
    pdf.set_font(FONT_FAMILY, size=HEADING_SIZE)
    heading = _("Quote %(number)s") % {"number": sheet.number}
    pdf.multi_cell(w=0, text=heading, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if sheet.title:
        pdf.multi_cell(w=0, text=sheet.title, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)


def _facts(pdf: FPDF, sheet: QuoteSheet) -> None:
    """Lay the quote's facts out in two columns of label and value."""
    facts = sheet.facts
    if len(facts) % 2:
        facts.append(("", ""))

    pdf.set_font(FONT_FAMILY, size=TEXT_SIZE)
    with pdf.table(
        col_widths=(16, 34, 16, 34),
        borders_layout=TableBordersLayout.NONE,
        first_row_as_headings=False,
        line_height=5,
        padding=(0.5, 1),
    ) as table:
        for start in range(0, len(facts), 2):
            row = table.row()
            for label, value in facts[start : start + 2]:
                row.cell(label, style=FontFace(color=GREY))
                row.cell(value)
    pdf.ln(3)


def _line_table(pdf: FPDF, sheet: QuoteSheet) -> None:
    """Lay the lines out; the heading row repeats on every page the table reaches."""
    widths = PRICED_WIDTHS if sheet.shows_prices else UNPRICED_WIDTHS
    aligns = ("LEFT", *("RIGHT" for _column in widths[1:]))

    pdf.set_font(FONT_FAMILY, size=TEXT_SIZE)
    pdf.set_draw_color(*GREY)
    with pdf.table(
        col_widths=widths,
        text_align=aligns,
        headings_style=PLAIN,
        repeat_headings=TableHeadingsDisplay.ON_TOP_OF_EVERY_PAGE,
        line_height=5,
        padding=1,
    ) as table:
        table.row(sheet.headings)
        for cells in sheet.rows:
            table.row(cells)
    pdf.ln(2)


def _totals(pdf: FPDF, sheet: QuoteSheet) -> None:
    pdf.set_font(FONT_FAMILY, size=TEXT_SIZE + 1)
    value_width = 40
    for label, value in sheet.totals:
        pdf.cell(w=pdf.epw - value_width, h=6, text=label, align=Align.R)
        pdf.cell(w=value_width, h=6, text=value, align=Align.R, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _notes(pdf: FPDF, sheet: QuoteSheet) -> None:
    if not sheet.notes:
        return
    pdf.ln(3)
    pdf.set_font(FONT_FAMILY, size=TEXT_SIZE)
    pdf.set_text_color(*GREY)
    pdf.cell(text=_("Notes"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0, 0, 0)
    pdf.multi_cell(w=0, h=5, text=sheet.notes, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def render_quote_pdf(sheet: QuoteSheet) -> bytes:
    """Return the PDF of `sheet`; raise PdfFontError when KEHU_PDF_FONT is not usable."""
    pdf = QuotePdf(format="A4", unit="mm")
    pdf.set_margins(MARGIN, MARGIN)
    pdf.set_auto_page_break(True, margin=MARGIN + 2)
    pdf.set_title(sheet.number)
    pdf.set_creator(str(settings.KEHU_BRAND))
    load_font(pdf)

    pdf.add_page()
    _letterhead(pdf, sheet)
    _facts(pdf, sheet)
    _line_table(pdf, sheet)
    _totals(pdf, sheet)
    _notes(pdf, sheet)
    return bytes(pdf.output())


def pdf_response(sheet: QuoteSheet) -> HttpResponse:
    """Return the PDF of `sheet` as a download named after the quote number."""
    response = HttpResponse(render_quote_pdf(sheet), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{sheet.file_name}"'
    return response
