// The paste editor: Tab and Shift+Tab indent and outdent (the selected lines, or at the caret) instead of leaving
// the box; Esc then Tab leaves it, for keyboard users; Ctrl/Cmd+Enter submits; the last language chosen in this
// browser is remembered (it replaces the account's default language on a blank editor); a file picked or dropped
// on the box fills it, the language its name says (the server's Pygments decides) and an empty title.
(() => {
  const form = document.querySelector("form.editor");
  if (!form) {
    return;
  }
  const box = form.querySelector("textarea[name=original_code]");
  const language = form.querySelector("select[name=language]");
  const INDENT = "    ";
  const LANGUAGE_KEY = "djangobin.language";
  let leaving = false;

  function replaceRange(start, end, text) {
    box.setSelectionRange(start, end);
    // execCommand keeps the browser's undo history; setRangeText is the fallback where it is gone.
    if (!document.execCommand("insertText", false, text)) {
      box.setRangeText(text, start, end, "end");
      box.dispatchEvent(new Event("input", { bubbles: true }));
    }
  }

  function indent(outdent) {
    const { value, selectionStart: start, selectionEnd: end } = box;
    const multiline = value.slice(start, end).includes("\n");
    if (!outdent && !multiline) {
      replaceRange(start, end, INDENT);
      return;
    }
    const lineStart = value.lastIndexOf("\n", start - 1) + 1;
    // A selection ending just after a line break does not take in the line below it.
    const blockEnd = end > start && value[end - 1] === "\n" ? end - 1 : end;
    const lineEnd = value.indexOf("\n", blockEnd) === -1 ? value.length : value.indexOf("\n", blockEnd);
    const lines = value.slice(lineStart, lineEnd).split("\n");
    const changed = lines.map((line) =>
      outdent ? line.replace(new RegExp(`^(\\t| {1,${INDENT.length}})`), "") : INDENT + line,
    );
    const firstShift = changed[0].length - lines[0].length;
    const text = changed.join("\n");
    if (text === value.slice(lineStart, lineEnd)) {
      return;
    }
    replaceRange(lineStart, lineEnd, text);
    if (multiline) {
      box.setSelectionRange(lineStart, lineStart + text.length);
    } else {
      const caret = Math.max(lineStart, start + firstShift);
      box.setSelectionRange(caret, caret);
    }
  }

  box.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      leaving = true;
      return;
    }
    if (event.key === "Tab" && !event.ctrlKey && !event.altKey && !event.metaKey) {
      if (leaving) {
        leaving = false;
        return; // the browser moves the focus on
      }
      event.preventDefault();
      indent(event.shiftKey);
      return;
    }
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.requestSubmit();
      return;
    }
    if (!["Shift", "Control", "Alt", "Meta"].includes(event.key)) {
      leaving = false;
    }
  });
  box.addEventListener("blur", () => {
    leaving = false;
  });

  function stored() {
    try {
      return window.localStorage.getItem(LANGUAGE_KEY);
    } catch {
      return null; // storage disabled: nothing remembered
    }
  }
  const remembered = stored();
  if (
    "rememberLanguage" in form.dataset &&
    remembered &&
    Array.from(language.options).some((option) => option.value === remembered)
  ) {
    language.value = remembered;
  }
  language.addEventListener("change", () => {
    try {
      window.localStorage.setItem(LANGUAGE_KEY, language.value);
    } catch {
      // storage disabled or full: the choice is simply not remembered
    }
  });

  // A file: read here, so the form sends text the box shows (without this script the server reads the file).
  const picker = form.querySelector("input[type=file][name=file]");
  const maxBytes = Number(form.dataset.maxBytes);
  const title = form.querySelector("input[name=title]");
  let fileError = null;

  function showFileError(message) {
    if (!fileError) {
      fileError = document.createElement("p");
      fileError.className = "errorlist";
      fileError.id = "file-error";
      fileError.setAttribute("role", "alert");
      picker.after(fileError);
    }
    fileError.textContent = message;
    fileError.hidden = !message;
  }

  async function chooseLanguageFor(name) {
    try {
      const url = `${form.dataset.languageForFile}?name=${encodeURIComponent(name)}`;
      const response = await fetch(url, { headers: { Accept: "application/json" } });
      if (response.ok) {
        language.value = String((await response.json()).id);
        language.dispatchEvent(new Event("change", { bubbles: true }));
      }
    } catch {
      // no answer: the language stays as chosen
    }
  }

  async function useFile(file) {
    showFileError("");
    if (file.size > maxBytes) {
      showFileError(`${file.name} is ${file.size.toLocaleString()} bytes; a snippet may be ${maxBytes.toLocaleString()}.`);
      return;
    }
    let text;
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(await file.arrayBuffer());
    } catch {
      showFileError(`${file.name} is not UTF-8 text.`);
      return;
    }
    box.value = text.replace(/^\uFEFF/, "");
    box.dispatchEvent(new Event("input", { bubbles: true }));
    if (title && !title.value) {
      title.value = file.name.slice(0, Number(title.maxLength) > 0 ? title.maxLength : 200);
    }
    picker.value = ""; // the text goes in the box: the file itself need not be sent as well
    await chooseLanguageFor(file.name);
  }

  if (picker) {
    picker.addEventListener("change", () => {
      if (picker.files.length) {
        useFile(picker.files[0]);
      }
    });
    const hasFiles = (event) => Array.from(event.dataTransfer?.types || []).includes("Files");
    box.addEventListener("dragover", (event) => {
      if (hasFiles(event)) {
        event.preventDefault();
        box.classList.add("dropping");
      }
    });
    box.addEventListener("dragleave", () => box.classList.remove("dropping"));
    box.addEventListener("drop", (event) => {
      box.classList.remove("dropping");
      if (hasFiles(event) && event.dataTransfer.files.length) {
        event.preventDefault();
        useFile(event.dataTransfer.files[0]);
      }
    });
  }
})();
