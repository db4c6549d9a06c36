// The layout checks of testkit/ui_audit.py, run in the page by `page.evaluate`.
// Input: {width, height} (the device's viewport); inside: the names of elements that must be
// fully on screen, the i-th marked data-audit-inside="i" by the caller; scoped: whether only
// the controls within elements marked data-audit-scope are checked for being covered (an
// open popup: what it covers is meant to be covered). Output: lists of readable problems,
// each naming the elements by role and accessible name.
({ width, height, inside, scoped }) => {
  const ROOT = document.documentElement;
  const INTERACTIVE = [
    "button", "a[href]", "input:not([type=hidden])", "textarea", "select", "[role=button]",
    "[role=menuitem]", "[role=option]", "[role=tab]", "[tabindex]:not([tabindex='-1'])",
  ].join(",");

  const squash = (text) => (text || "").replace(/\s+/g, " ").trim();
  const nameOf = (el) => {
    const label = el.getAttribute("aria-label");
    if (label) return squash(label);
    const by = el.getAttribute("aria-labelledby");
    if (by) return squash(by.split(/\s+/).map((id) => document.getElementById(id)?.textContent || "").join(" "));
    if (el.labels && el.labels.length) return squash(el.labels[0].textContent);
    const text = squash(el.innerText || el.textContent);
    if (text) return text.length > 60 ? `${text.slice(0, 57)}…` : text;
    return squash(el.getAttribute("title") || el.getAttribute("placeholder") || el.getAttribute("name") || "");
  };
  const describe = (el) => {
    const role = el.getAttribute("role") || el.tagName.toLowerCase();
    const name = nameOf(el);
    return name ? `${role} "${name}"` : `${role}.${squash(String(el.className)).split(" ").slice(0, 2).join(".")}`;
  };
  const box = (el) => {
    // Inline elements (links in text) may span lines: their first line box is what a finger hits.
    const rects = el.getClientRects();
    return rects.length > 1 && getComputedStyle(el).display === "inline" ? rects[0] : el.getBoundingClientRect();
  };
  const clips = (style) => /(auto|scroll|hidden|clip)/.test(style.overflowX + style.overflowY);
  const hidden = (el) => {
    if (el.closest("[aria-hidden='true'], [inert]")) return true;
    const style = getComputedStyle(el);
    return style.visibility !== "visible" || style.pointerEvents === "none" || el.disabled === true;
  };
  // Whether the rectangle is fully visible: inside the layout viewport and every clipping ancestor.
  const unclipped = (el, r) => {
    if (r.left < 0 || r.top < 0 || r.right > ROOT.clientWidth + 0.5 || r.bottom > ROOT.clientHeight + 0.5) return false;
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      if (!clips(getComputedStyle(up))) continue;
      const c = up.getBoundingClientRect();
      if (r.left < c.left - 0.5 || r.top < c.top - 0.5 || r.right > c.right + 0.5 || r.bottom > c.bottom + 0.5) return false;
    }
    return true;
  };
  // A fixed layer over (nearly) the whole viewport: what lies under it is behind a panel or a
  // drawer, not overlapped by a neighbour.
  const layerOver = (hit) => {
    for (let up = hit; up && up !== document.body; up = up.parentElement) {
      if (getComputedStyle(up).position !== "fixed") continue;
      const r = up.getBoundingClientRect();
      if (r.width * r.height >= 0.9 * ROOT.clientWidth * ROOT.clientHeight) return up;
    }
    return null;
  };

  // 1. Horizontal overflow: the page is not wider than the screen.
  const overflow = [];
  const pageWidth = Math.max(ROOT.scrollWidth, document.body.scrollWidth);
  if (pageWidth > width + 1 || pageWidth > ROOT.clientWidth + 1) {
    const wide = [];
    for (const el of document.body.querySelectorAll("*")) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.right <= ROOT.clientWidth + 1) continue;
      let scrolled = false;
      for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
        if (clips(getComputedStyle(up)) && up.scrollWidth > up.clientWidth) { scrolled = true; break; }
        if (wide.includes(up)) { scrolled = true; break; }
      }
      if (!scrolled) wide.push(el);
    }
    overflow.push(
      `the page is ${pageWidth}px wide in a ${width}px viewport; sticking out: ` +
        wide.slice(0, 6).map((el) => `${describe(el)} (to ${Math.round(el.getBoundingClientRect().right)}px)`).join(", ")
    );
  }

  // 2. Every visible, enabled control gets its own clicks: at its centre and four inner points
  //    the topmost element is the control itself, something inside it, or its label.
  const covered = [];
  for (const el of document.querySelectorAll(INTERACTIVE)) {
    if (hidden(el) || (scoped && !el.closest("[data-audit-scope]"))) continue;
    const r = box(el);
    if (r.width < 2 || r.height < 2 || !unclipped(el, r)) continue;
    const points = [[0.5, 0.5], [0.3, 0.3], [0.7, 0.3], [0.3, 0.7], [0.7, 0.7]];
    for (const [fx, fy] of points) {
      const hit = document.elementFromPoint(r.left + r.width * fx, r.top + r.height * fy);
      if (!hit || el === hit || el.contains(hit)) continue;
      if (el.labels && [...el.labels].some((label) => label.contains(hit))) continue;
      const layer = layerOver(hit);
      if (layer && !layer.contains(el)) break;
      covered.push(`${describe(el)} is covered by ${describe(hit)}`);
      break;
    }
  }

  // 3. Elements that must be wholly on screen (the composer), in the device's pixels: what is
  //    inside the visual viewport, scaled as the person sees it.
  const outside = [];
  const vv = window.visualViewport;
  inside.forEach((wanted, i) => {
    const found = document.querySelectorAll(`[data-audit-inside="${i}"]`);
    if (!found.length) outside.push(`${wanted}: not on the page`);
    for (const el of found) {
      const r = el.getBoundingClientRect();
      const left = (r.left - vv.offsetLeft) * vv.scale, top = (r.top - vv.offsetTop) * vv.scale;
      const right = (r.right - vv.offsetLeft) * vv.scale, bottom = (r.bottom - vv.offsetTop) * vv.scale;
      if (r.width === 0 || left < -0.5 || top < -0.5 || right > width + 0.5 || bottom > height + 0.5) {
        outside.push(`${describe(el)} is at x ${Math.round(left)}–${Math.round(right)}, y ${Math.round(top)}–${Math.round(bottom)} of a ${width}×${height} screen`);
      }
    }
  });

  // 4. Headings squeezed into a column so narrow that they wrap word by word.
  const squeezed = [];
  for (const el of document.querySelectorAll("h1, h2, h3, [role=heading]")) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || hidden(el)) continue;
    const range = document.createRange();
    range.selectNodeContents(el);
    const em = parseFloat(getComputedStyle(el).fontSize);
    const tops = [...range.getClientRects()].filter((line) => line.width > 0).map((line) => line.top).sort((a, b) => a - b);
    const lines = tops.filter((top, i) => i === 0 || top - tops[i - 1] > em / 2).length;
    if (lines >= 2 && r.width < 8 * em) {
      squeezed.push(`${describe(el)} wraps onto ${lines} lines in ${Math.round(r.width)}px (${(r.width / em).toFixed(1)}em)`);
    }
  }
  return { overflow, covered, outside, squeezed };
}
