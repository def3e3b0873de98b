"""Look at what clients get: the HTML in headless Chromium, the PDF through poppler, every format read back.

Chromium and poppler-utils are Debian packages; the README's test command installs them.
"""

import re
import shutil
import subprocess
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from openpyxl import load_workbook
from PIL import Image

from seula.flows.report import render_report, write_package
from tests.test_demo import any_word, non_publishable
from tests.test_report import analysed  # noqa: F401  (fixture)

BAR = (0x3A, 0x6E, 0xA5)  # the charts' first colour
SECTIONS_EN = ("Posts per day", "Engagement per day", "Top hashtags", "Interaction network", "Follow graph",
               "Methods and data protection")
SECTIONS_FI = ("Julkaisuja päivittäin", "Reaktiot päivittäin", "Yleisimmät aihetunnisteet", "Vuorovaikutusverkosto",
               "Seuraamisverkosto", "Menetelmät ja tietosuoja")


def tool(name: str) -> str:
    path = shutil.which(name)
    assert path, f"{name} is missing: the README's test command installs it (Debian: chromium, poppler-utils)"
    return path


def screenshot(html: Path, out: Path) -> subprocess.CompletedProcess[str]:
    # The flags keep Chromium off the network; logging to stderr surfaces console errors.
    return subprocess.run(
        [tool("chromium"), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
         f"--user-data-dir={out.parent / 'chromium-profile'}", "--enable-logging=stderr", "--v=0",
         "--window-size=1000,2400", f"--screenshot={out}", html.as_uri()],
        capture_output=True, text=True, timeout=120,
    )


def pixels_of(image: Image.Image, colour: tuple[int, int, int]) -> int:
    return sum(n for n, c in image.convert("RGB").getcolors(maxcolors=1 << 24) if c == colour)


def test_html_report_renders_in_headless_chromium(analysed: Path, tmp_path: Path) -> None:  # noqa: F811
    html = render_report.fn("sample", "en", ("html",))[0]
    run = screenshot(html, tmp_path / "report.png")
    assert run.returncode == 0, run.stderr[-2000:]
    assert "CONSOLE" not in run.stderr  # no script or resource error reported by the page
    image = Image.open(tmp_path / "report.png")
    assert image.size == (1000, 2400)
    assert pixels_of(image, BAR) > 20_000  # the bar charts are drawn, not just their markup
    assert pixels_of(image, (255, 255, 255)) < 0.9 * image.width * image.height  # the page is not blank


@pytest.mark.parametrize(("lang", "sections"), [("en", SECTIONS_EN), ("fi", SECTIONS_FI)])
def test_pdf_pages_text_and_pictures(analysed: Path, tmp_path: Path, lang: str, sections: tuple[str, ...]) -> None:  # noqa: F811
    pdf = render_report.fn("sample", lang, ("pdf",))[0]
    assert pdf.read_bytes().startswith(b"%PDF-")
    info = subprocess.run([tool("pdfinfo"), pdf], capture_output=True, text=True, check=True).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    assert 4 <= pages <= 10  # A4: the sample's charts and tables, not one endless page or a runaway layout
    text = subprocess.run([tool("pdftotext"), "-layout", pdf, "-"], capture_output=True, text=True, check=True).stdout
    positions = [text.find(title) for title in sections]
    assert -1 not in positions and positions == sorted(positions), dict(zip(sections, positions))
    assert re.search(rf"{pages} ?/ ?{pages}\s*$", text.split("\f")[pages - 1])  # the footer numbers the pages right
    subprocess.run([tool("pdftoppm"), "-r", "40", "-png", pdf, tmp_path / "page"], check=True)
    images = [Image.open(p) for p in sorted(tmp_path.glob("page-*.png"))]
    assert len(images) == pages
    assert pixels_of(images[0], BAR) > 2_000  # page 1 carries the posts-per-day bars
    for image in images:
        assert pixels_of(image, (255, 255, 255)) < 0.99 * image.width * image.height  # no empty page


def readable(path: Path) -> str:
    """What a recipient can read in a file, whatever its container."""
    if path.suffix == ".pdf":
        return subprocess.run([tool("pdftotext"), path, "-"], capture_output=True, text=True, check=True).stdout
    if path.suffix == ".parquet":
        return repr(pq.read_table(path).to_pylist())
    if path.suffix == ".xlsx":
        book = load_workbook(path)
        return repr([list(sheet.values) for sheet in book.worksheets])
    return path.read_text(encoding="utf-8")


def test_no_export_format_names_a_non_publishable_person(analysed: Path) -> None:  # noqa: F811
    files = render_report.fn("sample", "en", ("html", "pdf")) + write_package.fn(
        "sample", ["csv", "parquet", "xlsx", "gexf", "graphml"])
    assert {f.suffix for f in files} >= {".html", ".pdf", ".csv", ".parquet", ".xlsx", ".gexf", ".graphml", ".json"}
    private = non_publishable()
    pattern = any_word([value for identifiers in private for value in identifiers])
    texts = {f.name: readable(f) for f in files}
    assert "Demo Uutiset" in texts[files[1].name]  # the PDF's text is really read: a public account is in it
    leaks = [f"{m.group(0)!r} in {name}" for name, text in texts.items() for m in pattern.finditer(text.encode())]
    assert leaks == []
