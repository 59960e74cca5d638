// The "API tokens" page: copy the new secret to the clipboard. Loaded with the page's CSP nonce.
document.addEventListener("DOMContentLoaded", () => {
  const button = document.querySelector("[data-copy-target]");
  if (!button || !navigator.clipboard) return;
  button.hidden = false;
  button.addEventListener("click", async () => {
    const source = document.getElementById(button.dataset.copyTarget);
    await navigator.clipboard.writeText(source.textContent.trim());
    button.textContent = button.dataset.copiedLabel;
  });
});
