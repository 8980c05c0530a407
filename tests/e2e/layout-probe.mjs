// The layout checks of layout.test.mjs, run inside the real web view with
// `browser.execute(layoutProbe)`. Self-contained: WebDriver serialises the
// function's source, so it may not use anything from this module.
//
// Returns a list of problems (empty when the layout is sound):
// - the document itself scrolls (only `.main` may): its scroll height exceeds
//   the window, or scrolling the window/body by a large delta moves it or the
//   sidebar;
// - something overflows horizontally: the page, the main pane, or any card,
//   dialog/drawer, alert or fact list is wider inside than its box;
// - a label (`dt`) overlaps its value (`dd`), or is squeezed onto more than
//   two lines;
// - an ordinary word (2–15 letters, not inside a token longer than 20
//   characters) is broken across two lines ("the h ost"): long identifiers
//   may wrap anywhere, prose only at word boundaries.

/** Elements that must never be wider inside than their own box. */
export const BOXES = [
  ".page",
  ".page-header",
  ".page-body",
  ".card",
  ".card-header",
  ".overview-card-header",
  ".alert",
  ".dialog",
  ".dialog-header",
  ".dialog-body",
  ".drawer-body",
  ".facts",
  ".identity-pair",
  ".step-timeline",
].join(",");

export function layoutProbe(boxes) {
  const problems = [];
  const name = (el) => {
    const cls = typeof el.className === "string" && el.className.trim() ? `.${el.className.trim().split(/\s+/).join(".")}` : "";
    const label = el.getAttribute("aria-label") || el.getAttribute("aria-labelledby") || "";
    return `${el.tagName.toLowerCase()}${cls}${label ? `[${label}]` : ""}`;
  };
  const snippet = (el) => (el.textContent || "").replace(/\s+/g, " ").trim().slice(0, 60);
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== "hidden";
  };

  /** Is `d` inside something between it and `el` that clips what sticks out? */
  const clippedBelow = (d, el) => {
    for (let p = d.parentElement; p && p !== el; p = p.parentElement) {
      if (getComputedStyle(p).overflowX !== "visible") return true;
    }
    return false;
  };

  // 1. The document never scrolls; the sidebar stays put.
  const se = document.scrollingElement || document.documentElement;
  const sidebar = document.querySelector(".sidebar");
  const top0 = sidebar ? sidebar.getBoundingClientRect().top : 0;
  if (se.scrollHeight > se.clientHeight + 1) {
    problems.push(`the document is ${se.scrollHeight}px tall in a ${se.clientHeight}px window`);
  }
  window.scrollBy(0, 5000);
  se.scrollTop = 5000;
  document.body.scrollTop = 5000;
  const scrolled = se.scrollTop;
  const top1 = sidebar ? sidebar.getBoundingClientRect().top : 0;
  if (scrolled !== 0) problems.push(`the document scrolled by ${scrolled}px`);
  if (top1 !== top0) problems.push(`the sidebar moved from ${top0}px to ${top1}px`);
  se.scrollTop = 0;
  document.body.scrollTop = 0;
  window.scrollTo(0, 0);

  // 2. Nothing overflows horizontally.
  if (se.scrollWidth > se.clientWidth + 1) {
    problems.push(`the document is ${se.scrollWidth}px wide in a ${se.clientWidth}px window`);
  }
  const main = document.querySelector(".main");
  if (main && main.scrollWidth > main.clientWidth + 1) {
    problems.push(`the main pane is ${main.scrollWidth}px wide inside, ${main.clientWidth}px outside`);
  }
  for (const el of document.querySelectorAll(boxes)) {
    if (!visible(el) || el.scrollWidth <= el.clientWidth + 1) continue;
    // Name the innermost element that overflows, to make the report useful.
    let worst = null;
    for (const d of el.querySelectorAll("*")) {
      if (d.clientWidth > 0 && d.scrollWidth > d.clientWidth + 1 && !clippedBelow(d, el)) worst = d;
    }
    problems.push(
      `${name(el)} overflows by ${el.scrollWidth - el.clientWidth}px` +
        (worst ? ` (${name(worst)} "${snippet(worst)}")` : ""),
    );
  }

  // 3. Labels beside their values: no overlap, at most two lines. Measured on
  // the text (a grid stretches a dt to its row, whatever its text needs).
  const range = document.createRange();
  const textRects = (el) => {
    range.selectNodeContents(el);
    return [...range.getClientRects()].filter((r) => r.width > 0 && r.height > 0);
  };
  const lines = (rects) => new Set(rects.map((r) => Math.round(r.top / 4))).size;
  for (const dl of document.querySelectorAll("dl")) {
    if (!visible(dl)) continue;
    const dts = [...dl.querySelectorAll(":scope > dt, :scope > div > dt")].filter(visible);
    const dds = [...dl.querySelectorAll(":scope > dd, :scope > div > dd")].filter(visible);
    const ddRects = dds.map((dd) => [dd, textRects(dd)]);
    for (const dt of dts) {
      const rects = textRects(dt);
      const n = lines(rects);
      if (n > 2) problems.push(`label "${snippet(dt)}" takes ${n} lines`);
      const hit = ddRects.find(([, rs]) =>
        rs.some((b) =>
          rects.some(
            (a) =>
              Math.min(a.right, b.right) - Math.max(a.left, b.left) > 1 &&
              Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 1,
          ),
        ),
      );
      if (hit) problems.push(`label "${snippet(dt)}" overlaps the value "${snippet(hit[0])}"`);
    }
  }

  // 4. Ordinary words are never broken across lines.
  const scope = document.querySelectorAll(".main, .dialog");
  const broken = new Set();
  for (const root of scope) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const parent = n.parentElement;
      if (!parent || parent.closest("pre, textarea, .visually-hidden, svg") || !visible(parent)) continue;
      const re = /[A-Za-z]+/g;
      for (let m = re.exec(n.data); m; m = re.exec(n.data)) {
        if (m[0].length < 2 || m[0].length > 15) continue;
        // Inside a long unbroken token (a URL, an address, an id) any break is fine.
        const start = n.data.slice(0, m.index).search(/\S*$/);
        const end = m.index + n.data.slice(m.index).search(/\s|$/);
        if (end - start > 20) continue;
        range.setStart(n, m.index);
        range.setEnd(n, m.index + m[0].length);
        const rects = [...range.getClientRects()].filter((r) => r.width > 0);
        if (rects.length > 1 && rects.some((r) => Math.abs(r.top - rects[0].top) > 2)) {
          broken.add(`"${m[0]}" in ${name(parent)} "${snippet(parent)}"`);
        }
      }
    }
  }
  for (const b of [...broken].slice(0, 10)) problems.push(`word broken across lines: ${b}`);
  return problems;
}
