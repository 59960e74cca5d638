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
});
