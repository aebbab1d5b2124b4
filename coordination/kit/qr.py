"""QR codes for paper, drawn on the server as SVG (no JavaScript, no image service)."""

import segno

QR_ERROR = "m"  # 15% of the code may be torn or dirty and it still reads
QR_SCALE = 6  # px per module in the viewBox; the CSS sets the printed size (75 mm)


def qr_svg(data: str) -> str:
    """An inline <svg> of `data` (a URL), dark on white, with the standard quiet zone; a
    viewBox and no size, so both codes of the poster print equally large."""
    return segno.make(data, error=QR_ERROR, micro=False).svg_inline(
        scale=QR_SCALE, dark="#000", light="#fff", omitsize=True
    )
