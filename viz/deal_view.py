"""The page's "Deal assessment" tab: a finished `compute-market assess-deal` folder shown as its report does, the
competition view beside the systemic-risk view, with its figures and the command that reproduces it.
`compute-market app --deal DIR` names the folder (COMPUTE_MARKET_DEAL)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import solara

DEAL_ENV = "COMPUTE_MARKET_DEAL"
SHOWN = ("The deal", "Side by side", "Competition: screens", "Competition: effects", "Systemic risk",
         "What the model leaves out", "Reproduce")
FIGURES = ("paths.png", "differences.png")


def read_deal_folder(path: Path) -> dict[str, str]:
    """{section heading: its Markdown} of an assessment's report.md, the title under ""; a folder that is not a
    finished assessment is refused, naming it."""
    path = Path(path)
    manifest = path / "manifest.json"
    if not manifest.is_file() or json.loads(manifest.read_text()).get("output_of") != "assess-deal":
        raise ValueError(f"{path}: not a deal assessment folder (no manifest.json of compute-market assess-deal)")
    sections, heading = {"": []}, ""
    for line in (path / "report.md").read_text().splitlines():
        if line.startswith("## "):
            heading = line[3:].strip()
            sections[heading] = []
        else:
            sections[heading].append(line)
    return {key: "\n".join(lines).strip() for key, lines in sections.items()}


def deal_folder() -> Path | None:
    folder = os.environ.get(DEAL_ENV, "")
    return Path(folder) if folder else None


@solara.component
def DealTab():
    folder = deal_folder()
    if folder is None:
        solara.Markdown("No deal assessment is open. Write one with `compute-market assess-deal SCENARIO --without "
                        "EVENT --out DIR` and open it with `compute-market app --deal DIR`.")
        return
    DealView(folder)


@solara.component
def DealView(folder: Path):
    """The assessment in `folder`: the side-by-side table first, then the screens, effects, risk and figures."""
    sections = read_deal_folder(folder)
    with solara.Column(gap="10px", classes=["cm-deal"]):
        solara.Markdown(sections[""])
        for heading in SHOWN:
            if heading in sections:
                solara.Markdown(f"### {heading}\n\n{sections[heading]}")
            if heading == "Systemic risk":
                with solara.Row(style={"flex-wrap": "wrap"}):
                    for figure in FIGURES:
                        if (folder / figure).exists():
                            solara.Image(str(folder / figure), width="560px")
