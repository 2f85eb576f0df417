// The snippet page: line marks for #L-24 and #L-10-20 (click a line number, shift-click for a range), the
// highlighted code swapped in once the worker has stored it (the page shows it plain until then), Copy, and a
// word-wrap toggle remembered in this browser.
(() => {
  const view = document.getElementById("code");
  if (!view) {
    return;
  }
  const gutter = view.querySelector(".gutter");
  const code = view.querySelector("pre.highlight");
  const note = document.getElementById("render-note");
  const languageLink = document.getElementById("snippet-language");
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
      if (render.language && languageLink) {
        languageLink.textContent = render.language; // "Detect" stores the guessed language before the render
      }
      note.textContent = render.note;
      if (render.document && !document.getElementById("document")) {
        // A Markdown paste's document came with the render: offer it (the page shows it once loaded again).
        const link = document.createElement("a");
        link.href = window.location.pathname;
        link.textContent = "Show it rendered";
        note.replaceChildren(`${render.note} `.trimStart(), link);
      }
      note.hidden = !note.textContent;
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

  // Copy: the Clipboard API where the page is a secure context, else a selected off-screen textarea and "copy".
  const copyButton = document.getElementById("copy-code");
  async function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      try {
        await navigator.clipboard.writeText(text);
        return true;
      } catch {
        // refused (no permission, page not focused): try the old way
      }
    }
    const scratch = document.createElement("textarea");
    scratch.value = text;
    scratch.setAttribute("readonly", "");
    scratch.className = "offscreen";
    document.body.appendChild(scratch);
    scratch.select();
    let copied = false;
    try {
      copied = document.execCommand("copy");
    } finally {
      scratch.remove();
    }
    return copied;
  }
  if (copyButton) {
    const label = copyButton.textContent;
    let reset = null;
    copyButton.hidden = false;
    copyButton.addEventListener("click", async () => {
      const copied = await copyText(code.textContent);
      copyButton.textContent = copied ? copyButton.dataset.copied : "Press Ctrl+C to copy";
      copyButton.classList.toggle("copied", copied);
      if (!copied) {
        window.getSelection().selectAllChildren(code);
      }
      window.clearTimeout(reset);
      reset = window.setTimeout(() => {
        copyButton.textContent = label;
        copyButton.classList.remove("copied");
      }, 2000);
    });
  }

  // Word wrap: off by default, remembered in localStorage for every snippet page.
  const WRAP_KEY = "djangobin.wrap";
  const wrapToggle = document.getElementById("wrap-toggle");
  function storage(action) {
    try {
      return action(window.localStorage);
    } catch {
      return null; // storage disabled: nothing remembered
    }
  }
  if (wrapToggle) {
    wrapToggle.closest("label").hidden = false;
    wrapToggle.checked = storage((store) => store.getItem(WRAP_KEY)) === "1";
    view.classList.toggle("wrapped", wrapToggle.checked);
    wrapToggle.addEventListener("change", () => {
      view.classList.toggle("wrapped", wrapToggle.checked);
      storage((store) => store.setItem(WRAP_KEY, wrapToggle.checked ? "1" : "0"));
      showMark(false);
    });
  }
})();
