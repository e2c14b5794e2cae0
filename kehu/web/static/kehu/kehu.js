// Kehu's own page behaviour; the rest is htmx attributes in the templates.

// Submit the form of a select marked data-autosubmit as soon as it changes (the language switch).
document.addEventListener("change", (event) => {
  const target = event.target;
  if (target instanceof HTMLSelectElement && "autosubmit" in target.dataset && target.form) {
    target.form.requestSubmit();
  }
});

// A region select whose options htmx just reloaded has lost its value. Announce that as a change,
// so the next level reloads too and the customer list refreshes without the stale division.
document.addEventListener("htmx:afterSwap", (event) => {
  const target = event.target;
  if (target instanceof HTMLSelectElement && "cascade" in target.dataset) {
    target.dispatchEvent(new Event("change", { bubbles: true }));
  }
});

// Leave empty inputs out of GET requests from a form marked data-drop-empty, so the address htmx
// pushes names only the filters in use.
document.addEventListener("htmx:configRequest", (event) => {
  const source = event.detail.elt;
  if (event.detail.verb !== "get" || !(source instanceof HTMLFormElement)) return;
  if (!("dropEmpty" in source.dataset)) return;
  const formData = event.detail.formData;
  for (const [name, value] of [...formData.entries()]) {
    if (value === "") formData.delete(name);
  }
});
