"""What a new user reads first stays short, self-contained and generated: the README fits
a screen or two, its results table comes from the records, and nothing the project ships
points at notes outside the repository or at internal work items."""
import re
import subprocess
from pathlib import Path

from graphlab.runner.document import blocks, check_document

REPO = Path(__file__).resolve().parents[1]
#: the name of the maintainers' private notes file, built so this file does not contain it
PRIVATE_NOTES = "ANCH" + "ORS"
INTERNAL = re.compile(r"\b(session|issue)[ -][0-9]+\b", re.I)


def tracked(*paths: str) -> list[Path]:
    out = subprocess.run(["git", "ls-files", *paths], cwd=REPO, capture_output=True, text=True,
                         check=True).stdout.split()
    return [REPO / p for p in out if (REPO / p).is_file()]


def test_the_readme_is_short_and_its_table_is_generated():
    readme = REPO / "README.md"
    assert len(readme.read_text().splitlines()) <= 150
    assert blocks(readme.read_text()), "README.md has no generated results table"
    assert check_document(readme) == []


def test_every_paper_in_the_readme_has_its_page():
    text = (REPO / "README.md").read_text()
    pages = set(re.findall(r"\(docs/papers/([a-z_]+)\.md\)", text))
    assert pages and all((REPO / "docs" / "papers" / f"{p}.md").is_file() for p in pages)
    for page in (REPO / "docs" / "papers").glob("*.md"):
        body = page.read_text()
        for part in ("## What", "Results"):
            assert part in body, f"{page.name} has no '{part}' part"


def test_nothing_shipped_points_at_the_private_notes():
    found = [str(p.relative_to(REPO)) for p in tracked()
             if p.suffix in {".py", ".md", ".yaml", ".json", ".ipynb", ".cfg", ".toml", ""}
             and PRIVATE_NOTES in p.read_text(errors="ignore")]
    assert found == []


def test_no_internal_work_items_in_code_docs_results_configs_and_notebooks():
    paths = tracked("README.md", "RESULTS.md", "docs", "graphlab", "experiments", "notebooks")
    found = [f"{p.relative_to(REPO)}: {m.group(0)}" for p in paths
             for m in INTERNAL.finditer(p.read_text(errors="ignore"))]
    assert found == []
