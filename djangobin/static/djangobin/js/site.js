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
