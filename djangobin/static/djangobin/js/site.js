// djangobin's only script, loaded with `defer` from a static file (no inline scripts, for a strict CSP).
// Forms with data-confirm ask before they submit (deleting a snippet cannot be undone).
document.addEventListener("submit", (event) => {
  const message = event.target.dataset.confirm;
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});
