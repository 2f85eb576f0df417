// The snippet page: line marks for #L-24 and #L-10-20 (click a line number, shift-click for a range), and the
// highlighted code swapped in once the worker has stored it (the page shows it plain until then).
(() => {
  const view = document.getElementById("code");
  if (!view) {
    return;
  }
  const gutter = view.querySelector(".gutter");
  const code = view.querySelector("pre.highlight");
  const note = document.getElementById("render-note");
  const lineCount = gutter.textContent.split("\n").length;
  let mark = null;

  const px = (element, property) => parseFloat(getComputedStyle(element)[property]) || 0;
  const lineHeight = () => px(code, "lineHeight");

  function selectedLines() {
    const match = /^#L-(\d+)(?:-(\d+))?$/.exec(window.location.hash);
    if (!match) {
      return null;
    }
    const a = Number(match[1]);
    const b = Number(match[2] || match[1]);
    const first = Math.max(1, Math.min(a, b));
    const last = Math.min(lineCount, Math.max(a, b));
    return first <= last ? [first, last] : null;
  }

  function showMark(scroll) {
    const lines = selectedLines();
    if (!lines) {
      if (mark) {
        mark.hidden = true;
      }
      return;
    }
    if (!mark) {
      mark = document.createElement("div");
      mark.className = "line-mark";
      view.appendChild(mark);
    }
    mark.hidden = false;
    mark.style.top = `${code.offsetTop + px(code, "paddingTop") + (lines[0] - 1) * lineHeight()}px`;
    mark.style.height = `${(lines[1] - lines[0] + 1) * lineHeight()}px`;
    if (scroll) {
      mark.scrollIntoView({ block: "center" });
    }
  }

  gutter.addEventListener("click", (event) => {
    const offset = event.clientY - gutter.getBoundingClientRect().top - px(gutter, "paddingTop");
    const line = Math.floor(offset / lineHeight()) + 1;
    if (line < 1 || line > lineCount) {
      return;
    }
    const current = selectedLines();
    const hash =
      event.shiftKey && current
        ? `#L-${Math.min(current[0], line)}-${Math.max(current[0], line)}`
        : `#L-${line}`;
    window.history.replaceState(null, "", hash);
    showMark(false);
  });
  window.addEventListener("hashchange", () => showMark(true));
  showMark(true);

  // Ask for the render every second or so, less often as time goes by, for about five minutes at most.
  const renderUrl = view.dataset.renderUrl;
  async function poll(delay, tries) {
    let state = "pending";
    try {
      const response = await fetch(renderUrl, { headers: { Accept: "application/json" }, cache: "no-store" });
      if (!response.ok) {
        return;
      }
      const render = await response.json();
      state = render.state;
      if (state === "highlighted") {
        code.querySelector("code").innerHTML = render.html;
      }
      note.textContent = render.note;
      note.hidden = !render.note;
      view.dataset.renderState = state;
    } catch {
      // The network or the server hiccuped: try again later, as for a render still pending.
    }
    if (state === "pending" && tries > 0) {
      window.setTimeout(() => poll(Math.min(delay * 1.5, 10000), tries - 1), delay);
    }
  }
  if (renderUrl) {
    window.setTimeout(() => poll(1000, 40), 500);
  }
})();
