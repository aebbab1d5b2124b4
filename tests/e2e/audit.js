// Run in the page by tests/e2e/test_every_page.py: what a person on a phone would stumble on.
// Returns a list of problems, each a short string naming the element.
(options) => {
  const problems = [];
  const minimum = options.minimum;  // px, both ways
  // Bootstrap scrolls smoothly: the checks below need each scroll done at once.
  document.documentElement.style.scrollBehavior = "auto";
  const describe = (el) => {
    const text = (el.innerText || el.value || el.getAttribute("aria-label") || "").trim();
    const id = el.id ? "#" + el.id : "";
    return `${el.tagName.toLowerCase()}${id} "${text.slice(0, 40)}"`;
  };
  const visible = (el) => {
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    return style.visibility !== "hidden" && style.display !== "none" && box.width > 0 && box.height > 0;
  };
  // A link inside running text is exempt, as in WCAG 2.5.8 ("inline" targets).
  const inline = (el) => {
    if (el.tagName !== "A") return false;
    const block = el.closest("p, li, td, dd, small, .muted");
    if (!block) return false;
    return block.textContent.trim().length > el.textContent.trim().length + 15;
  };
  // What a finger hits: a checkbox or radio is hit through its label.
  const target = (el) => {
    if (el.tagName === "INPUT" && ["checkbox", "radio"].includes(el.type)) {
      const label = el.closest("label") || (el.id && document.querySelector(`label[for="${el.id}"]`));
      if (label) return label;
    }
    return el;
  };
  // Visually hidden on purpose (a form's default button for the Enter key, screen-reader text).
  const offscreen = (el) => {
    const box = el.getBoundingClientRect();
    return box.width <= 1 && box.height <= 1;
  };

  if (document.documentElement.scrollWidth > window.innerWidth + 1) {
    problems.push(`scrolls sideways: ${document.documentElement.scrollWidth} px wide in ${window.innerWidth}`);
  }

  const interactive = document.querySelectorAll(
    "a[href], button, input:not([type=hidden]), select, textarea, summary"
  );
  const seen = new Set();
  const targets = [];
  for (const element of interactive) {
    const el = target(element);
    if (seen.has(el) || !visible(el) || offscreen(el)) continue;
    if (el.closest("[hidden], details:not([open]) > :not(summary)")) continue;
    seen.add(el);
    targets.push(el);
    const box = el.getBoundingClientRect();
    if (!inline(el) && (box.width < minimum - 0.5 || box.height < minimum - 0.5)) {
      problems.push(`small target ${Math.round(box.width)}x${Math.round(box.height)}: ${describe(el)}`);
    }
  }
  // Covered: the element at its centre and near its corners must be itself (or inside it).
  // Checked screen by screen; one that is under something there (a sticky bar it scrolls
  // beneath) is checked again in the middle of the screen, where a person would tap it.
  const own = (el, hit) => hit === el || el.contains(hit) || (el.htmlFor && hit.id === el.htmlFor);
  const coveredBy = (el) => {
    const b = el.getBoundingClientRect();
    const inset = 3;
    const points = [
      [b.left + b.width / 2, b.top + b.height / 2],
      [b.left + inset, b.top + inset],
      [b.right - inset, b.top + inset],
      [b.left + inset, b.bottom - inset],
      [b.right - inset, b.bottom - inset],
    ];
    for (const [x, y] of points) {
      if (x < 0 || x >= window.innerWidth || y < 0 || y >= window.innerHeight) continue;
      const hit = document.elementFromPoint(x, y);
      if (hit && !own(el, hit)) return { hit, x, y: y + window.scrollY };
    }
    return null;
  };
  const checked = new Set();
  const height = window.innerHeight;
  for (let top = 0; top < document.documentElement.scrollHeight; top += Math.floor(height * 0.8)) {
    window.scrollTo(0, top);
    for (const el of targets) {
      if (checked.has(el)) continue;
      const b = el.getBoundingClientRect();
      if (b.top < 0 || b.bottom > height) continue;  // checked on a screen that shows it whole
      checked.add(el);
      if (!coveredBy(el)) continue;
      el.scrollIntoView({ block: "center", inline: "nearest" });
      const found = coveredBy(el);
      if (found) {
        problems.push(`covered at (${Math.round(found.x)},${Math.round(found.y)}) by ${describe(found.hit)}: ${describe(el)}`);
      }
      window.scrollTo(0, top);
    }
  }
  window.scrollTo(0, 0);

  if (options.language !== "en") {
    // Interface text in English: Latin words left after the page's own data is taken out.
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const english = new Set();
    while (walker.nextNode()) {
      const node = walker.currentNode;
      const parent = node.parentElement;
      if (!parent || !visible(parent)) continue;
      if (parent.closest("[lang=en], [translate=no], script, style, code, kbd, svg title")) continue;
      let text = node.textContent.replace(/\S*[\/@]\S*/g, " ");  // paths, addresses: not words
      for (const data of options.data) text = text.split(data).join(" ");
      for (const word of text.match(/[A-Za-z]{3,}/g) || []) {
        if (!options.allowed.includes(word)) english.add(word);
      }
    }
    if (english.size) problems.push(`English words: ${[...english].slice(0, 25).join(", ")}`);
  }
  return problems;
}
