// OpenSales page behaviour that needs no framework. Loaded with a CSP nonce; no inline handlers.
document.addEventListener("DOMContentLoaded", () => {
  // Buttons that ask before submitting: <button data-confirm="...">
  document.body.addEventListener("click", (event) => {
    const el = event.target.closest("[data-confirm]");
    if (el && !window.confirm(el.dataset.confirm)) {
      event.preventDefault();
      event.stopPropagation();
    }
  });
  // A select that reveals its options panel: <select data-open-details-when="custom"> followed by
  // <details>; choosing that value opens the panel, any other value closes it.
  document.body.addEventListener("change", (event) => {
    const select = event.target.closest("select[data-open-details-when]");
    if (!select) return;
    const details = select.parentElement.querySelector("details");
    if (details) details.open = select.value === select.dataset.openDetailsWhen;
  });
});
