// djangobin's only script, loaded with `defer` from a static file (no inline scripts, for a strict CSP).
// Forms with data-confirm ask before they submit (deleting a snippet cannot be undone).
document.addEventListener("submit", (event) => {
  const message = event.target.dataset.confirm;
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});

// The user menu is a <details>: it closes on Escape (focus back on its summary) and on a click outside it.
const openMenus = () => document.querySelectorAll("details.menu[open]");

document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") {
    return;
  }
  openMenus().forEach((menu) => {
    menu.open = false;
    menu.querySelector("summary").focus();
  });
});

document.addEventListener("click", (event) => {
  openMenus().forEach((menu) => {
    if (!menu.contains(event.target)) {
      menu.open = false;
    }
  });
});

// A language list (hundreds of options) gets a filter box under it (so the select lines up with its row): typing
// hides the languages whose name does not contain the text, and picks the first one left when the chosen one is
// hidden. Without this script the <select> still finds a language by typing its first letters.
document.querySelectorAll("select[data-language-filter]").forEach((select) => {
  const filter = document.createElement("input");
  filter.type = "search";
  filter.className = "language-filter";
  filter.placeholder = "Filter languages";
  filter.setAttribute("aria-label", "Filter the language list");
  filter.setAttribute("aria-controls", select.id);
  filter.autocomplete = "off";
  select.after(filter);
  filter.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault(); // Enter keeps the choice and moves on, rather than sending the form
      select.focus();
    }
  });
  filter.addEventListener("input", () => {
    const text = filter.value.trim().toLowerCase();
    let first = null;
    Array.from(select.options).forEach((option) => {
      option.hidden = text !== "" && !option.text.toLowerCase().includes(text);
      if (!option.hidden && first === null) {
        first = option;
      }
    });
    select.querySelectorAll("optgroup").forEach((group) => {
      group.hidden = Array.from(group.children).every((option) => option.hidden);
    });
    if (first !== null && select.selectedOptions[0]?.hidden !== false) {
      select.value = first.value;
      select.dispatchEvent(new Event("change", { bubbles: true }));
    }
  });
});
