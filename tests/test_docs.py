"""The documentation under docs/ stays true to the code.

- The action tables of docs/lifecycles.md match the lifecycle tables in the code (demands, suggestions, ballot
  rounds, proposals, inquiry topics, special inquiries): a changed table in the code needs a changed table in the docs.
- Every relative link between the docs pages, and every reference to a docs page (with or without a #section) in
  the code, templates and the README, leads to a page and a heading that exist.
"""

import os
import re
from pathlib import Path

import pytest

from demands.states import TRANSITIONS as DEMAND_TRANSITIONS
from inquiries.states import TOPIC_TRANSITIONS
from inquiries.states import TRANSITIONS as INQUIRY_TRANSITIONS
from deputies.states import REPORT_TRANSITIONS
from evaluations.states import RECTIFICATION_TRANSITIONS, ROUND_TRANSITIONS as EVALUATION_ROUND_TRANSITIONS
from livelihood.states import PROPOSAL_TRANSITIONS, ROUND_ALLOWS
from revisits.states import TRANSITIONS as REVISIT_TRANSITIONS
from suggestions.states import TRANSITIONS as SUGGESTION_TRANSITIONS

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
LIFECYCLES = DOCS / "lifecycles.md"
SKIPPED_DIRS = {".venv", "node_modules", "var", "staticfiles", ".git", "__pycache__"}
SCANNED_SUFFIXES = {".py", ".html", ".md", ".txt"}

FENCE = re.compile(r"^\s*(```|~~~)")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
CODE_REFERENCE = re.compile(r"(?<![\w/.-])docs/([\w-]+(?:\.[\w-]+)*\.md)(?:#([\w-]+))?")
TICKED = re.compile(r"`([^`]+)`")
# How the code used to cite the design document that lived outside the project (spelled so as not to match itself).
EXTERNAL_DESIGN = "DESIGN " + "\u00a7"


# ---------------------------------------------------------------- reading markdown


def prose_lines(text: str) -> list[str]:
    """The lines outside fenced code blocks (a `# comment` in a code block is not a heading)."""
    lines, fenced = [], False
    for line in text.splitlines():
        if FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            lines.append(line)
    return lines


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, each space a hyphen."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    result = set()
    for line in prose_lines(path.read_text(encoding="utf-8")):
        match = HEADING.match(line)
        if not match:
            continue
        base = slug(match.group(2))
        n = seen.get(base, 0)
        result.add(base if n == 0 else f"{base}-{n}")
        seen[base] = n + 1
    return result


def section_tables(path: Path, anchor: str) -> list[list[dict]]:
    """The tables between the heading `anchor` and the next heading, each as rows keyed by its header cells."""
    lines = prose_lines(path.read_text(encoding="utf-8"))
    start = next((i + 1 for i, line in enumerate(lines)
                  if (match := HEADING.match(line)) and slug(match.group(2)) == anchor), None)
    assert start is not None, f"{path.name} has no section #{anchor}"
    blocks, current = [], []
    for line in [*lines[start:], ""]:
        if HEADING.match(line):
            break
        if line.startswith("|"):
            current.append(line)
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    tables = []
    for block in blocks:
        header = [cell.strip() for cell in block[0].strip("|").split("|")]
        tables.append([dict(zip(header, (cell.strip() for cell in row.strip("|").split("|")))) for row in block[2:]])
    return tables


def section_table(path: Path, anchor: str, column: str) -> list[dict]:
    """The section's table that has `column`."""
    for table in section_tables(path, anchor):
        if table and column in table[0]:
            return table
    raise AssertionError(f"{path.name}#{anchor} has no table with a column “{column}”")


def ticked(cell: str) -> list[str]:
    return TICKED.findall(cell)


def documented_transitions(anchor: str) -> dict[str, tuple[frozenset, str | None]]:
    result = {}
    for row in section_table(LIFECYCLES, anchor, "to"):
        (action,) = ticked(row["action"])
        assert action not in result, f"#{anchor}: {action} is listed twice"
        targets = ticked(row["to"])
        assert targets or row["to"] == "unchanged", f"#{anchor}: {action} has no target state"
        result[action] = (frozenset(ticked(row["from"])), targets[0] if targets else None)
    return result


def as_strings(table: dict) -> dict:
    return {str(action): (frozenset(str(s) for s in sources), None if target is None else str(target))
            for action, (sources, target) in table.items()}


# ---------------------------------------------------------------- the lifecycle tables


@pytest.mark.parametrize("anchor, table", [
    ("demand-actions", DEMAND_TRANSITIONS),
    ("call-back-actions", REVISIT_TRANSITIONS),
    ("suggestion-actions", SUGGESTION_TRANSITIONS),
    ("proposals", PROPOSAL_TRANSITIONS),
    ("topic-actions", TOPIC_TRANSITIONS),
    ("inquiry-actions", INQUIRY_TRANSITIONS),
    ("yearly-reports", REPORT_TRANSITIONS),
    ("evaluation-round-actions", EVALUATION_ROUND_TRANSITIONS),
    ("rectification-actions", RECTIFICATION_TRANSITIONS),
], ids=["demands", "call-backs", "suggestions", "proposals", "topics", "inquiries", "yearly-reports",
        "evaluation-rounds", "rectifications"])
def test_lifecycle_table_in_the_docs_matches_the_code(anchor, table):
    assert documented_transitions(anchor) == as_strings(table)


def test_ballot_round_table_in_the_docs_matches_the_code():
    column = "allowed while the round is"
    documented = {}
    for row in section_table(LIFECYCLES, "ballot-rounds", column):
        (action,) = ticked(row["action"])
        documented[action] = frozenset(ticked(row[column]))
    assert documented == {str(a): frozenset(str(s) for s in states) for a, states in ROUND_ALLOWS.items()}


# ---------------------------------------------------------------- links and references


def docs_pages() -> list[Path]:
    return sorted(DOCS.glob("*.md"))


def scanned_files():
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d not in SKIPPED_DIRS]
        for name in files:
            if Path(name).suffix in SCANNED_SUFFIXES:
                yield Path(folder) / name


def test_every_link_between_docs_pages_resolves():
    broken = []
    for page in docs_pages():
        for line in prose_lines(page.read_text(encoding="utf-8")):
            for target in LINK.findall(line):
                if re.match(r"^[a-z][a-z0-9+.-]*:", target):
                    continue  # http:, https:, mailto:
                name, _, anchor = target.partition("#")
                linked = page if not name else (page.parent / name).resolve()
                if not linked.exists():
                    broken.append(f"{page.name}: {target} (no such file)")
                elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
                    broken.append(f"{page.name}: {target} (no such heading)")
    assert not broken, "\n".join(broken)


def test_every_docs_reference_in_the_code_resolves():
    broken, found = [], 0
    for path in scanned_files():
        text = path.read_text(encoding="utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), start=1):
            for name, anchor in CODE_REFERENCE.findall(line):
                found += 1
                page = DOCS / name
                where = f"{path.relative_to(ROOT)}:{number}: docs/{name}{'#' + anchor if anchor else ''}"
                if not page.exists():
                    broken.append(f"{where} (no such page)")
                elif anchor and anchor not in anchors(page):
                    broken.append(f"{where} (no such heading)")
    assert found, "no reference to docs/ found: is the scan looking in the right place?"
    assert not broken, "\n".join(broken)


def test_the_design_lives_in_the_repository():
    """The rules are referenced by their docs page, not by a document outside the project."""
    stale = [f"{path.relative_to(ROOT)}:{number}"
             for path in scanned_files()
             for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1)
             if EXTERNAL_DESIGN in line]
    assert not stale, "references to the external design document: " + ", ".join(stale)


def test_slugs_follow_github():
    assert slug("Scope: 404, not 403") == "scope-404-not-403"
    assert slug("What the code allows today, and what needs work") == "what-the-code-allows-today-and-what-needs-work"
    assert slug("`core.layers` and the graph") == "corelayers-and-the-graph"
