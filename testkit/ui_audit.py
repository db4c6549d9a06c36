"""What every page must get right on any screen, checked in a real browser: nothing wider
than the screen, no control under another element, the composer on screen, no heading
squeezed into a column, and no serious or critical axe-core finding.

`audit(page)` returns the problems as sentences that name the elements (role and
accessible name), so a failing test says what is wrong where; the layout checks are
`ui_audit.js`, run in the page. axe-core is the npm package pinned in `testkit/axe/`
(`make test` installs it there; no CDN): its script is evaluated in the page through
the DevTools protocol, which the hub's Content-Security-Policy does not apply to."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from playwright.sync_api import Locator, Page

HERE = Path(__file__).parent
AXE_SCRIPT = HERE / "axe" / "node_modules" / "axe-core" / "axe.min.js"
LAYOUT_SCRIPT = HERE / "ui_audit.js"
SERIOUS = ("serious", "critical")


@dataclass
class Findings:
    overflow: list[str] = field(default_factory=list)
    covered: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)
    squeezed: list[str] = field(default_factory=list)
    axe: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        checks = {
            "horizontal overflow": self.overflow,
            "controls covered by another element": self.covered,
            "not fully on screen": self.outside,
            "headings wrapping word by word": self.squeezed,
            "axe-core serious/critical": self.axe,
        }
        return [f"{check}: {problem}" for check, found in checks.items() for problem in found]


@cache
def _axe_source() -> str:
    if not AXE_SCRIPT.is_file():
        raise FileNotFoundError(f"{AXE_SCRIPT} is missing: `make test` installs it (npm ci in testkit/axe)")
    return AXE_SCRIPT.read_text(encoding="utf-8")


def settle(page: Page) -> None:
    """Wait until fonts are loaded and finite animations (a dialog fading in, a menu
    sliding) have ended, so what is measured is what a person then sees."""
    page.wait_for_function(
        """() => document.fonts.status === 'loaded' && document.getAnimations().every((a) =>
               a.playState !== 'running' || a.effect?.getComputedTiming().endTime === Infinity)""",
        timeout=10_000,
    )


def axe_violations(page: Page, impacts: Sequence[str] = SERIOUS) -> list[str]:
    """axe-core's violations of the given impacts, one line per rule with up to three elements."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe_source())
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    found = []
    for violation in result["violations"]:
        if violation["impact"] not in impacts:
            continue
        nodes = "; ".join(
            f"{' '.join(map(str, node['target']))} {node['html'][:120]}" for node in violation["nodes"][:3]
        )
        more = len(violation["nodes"]) - 3
        found.append(
            f"{violation['id']} ({violation['impact']}): {violation['help']} — {nodes}" + (f" (+{more} more)" if more > 0 else "")
        )
    return found


def audit(page: Page, *, inside: Mapping[str, Locator] | None = None, popup: Locator | None = None, scan: bool = True) -> Findings:
    """Every check on the page as it is now. `inside`: elements, by a name for the report,
    that must be wholly on screen (the composer). `popup`: an open menu, dialog or picker;
    only the controls in it are checked for being covered (what it covers is meant to be).
    `scan=False` skips axe-core."""
    settle(page)
    viewport = page.viewport_size
    assert viewport is not None, "the audit needs a fixed viewport"
    marks = [(f"auditInside = {index}", locator) for index, locator in enumerate((inside or {}).values())]
    marks += [("auditScope = 1", popup)] if popup is not None else []
    for mark, locator in marks:
        locator.evaluate_all(f"(found) => found.forEach((el) => {{ el.dataset.{mark}; }})")
    try:
        layout = page.evaluate(
            LAYOUT_SCRIPT.read_text(encoding="utf-8"), {**viewport, "inside": list(inside or {}), "scoped": popup is not None}
        )
    finally:
        page.evaluate("""() => document.querySelectorAll('[data-audit-inside], [data-audit-scope]').forEach((el) => {
                           delete el.dataset.auditInside; delete el.dataset.auditScope; })""")
    return Findings(**layout, axe=axe_violations(page) if scan else [])
