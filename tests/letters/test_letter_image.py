"""The PDF as a person sees it: page 1 rendered to PNG (pypdfium2), not blank, letterhead and logo drawn."""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image

from tests.helpers import active_restriction
from tests.letters.conftest import letter_ids, render

ARTIFACTS = Path(__file__).resolve().parents[2] / ".cache" / "artifacts" / "letters"
LOGO_RED = (200, 16, 46)


def _page_one_png(content: bytes, name: str) -> Image.Image:
    """Render page 1 at 100 dpi, save it under .cache/artifacts/letters/, and return it as RGB."""
    document = pdfium.PdfDocument(content)
    try:
        page = document[0]
        bitmap = page.render(scale=100 / 72)
        image = bitmap.to_pil().convert("RGB")
        bitmap.close()
        page.close()
    finally:
        document.close()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    image.save(ARTIFACTS / name)
    return image


def _ink(image: Image.Image, box=None) -> float:
    """The share of pixels in `box` (default: the page) that are not white."""
    region = image.crop(box) if box else image
    grey = region.convert("L")
    dark = sum(count for level, count in enumerate(grey.histogram()) if level < 200)
    return dark / (region.width * region.height)


def test_page_one_is_a_printed_letter_with_its_letterhead_and_logo(council, tmp_path):
    logo = tmp_path / "logo.png"
    Image.new("RGB", (240, 80), LOGO_RED).save(logo)
    council.settings = council.settings.replace(COUNCIL_LOGO=str(logo))
    restriction_id = active_restriction(council)
    (letter_id,) = letter_ids(council, "restriction", restriction_id=restriction_id)
    image = _page_one_png(render(council, letter_id, "pdf"), "restriction-page1.png")
    assert (ARTIFACTS / "restriction-page1.png").stat().st_size > 0
    width, height = image.size
    assert 0.01 < _ink(image) < 0.5, "page 1 has text on it, and is not a solid block"
    assert _ink(image, (0, 0, width, height // 6)) > 0.005, "the letterhead is drawn at the top"
    assert _ink(image, (0, height // 2, width, height)) > 0.005, "the body runs down the page"
    top_left = image.crop((0, 0, width // 2, height // 6)).tobytes()
    red = sum(
        1 for i in range(0, len(top_left), 3) if top_left[i] > 150 and top_left[i + 1] < 80 and top_left[i + 2] < 100
    )
    assert red > 500, "the council's logo is drawn at the top left"
