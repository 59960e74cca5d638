// The global search box (opensales/search): Ctrl-K (⌘K) or the top-bar button opens it; htmx fetches
// the grouped hits as you type (the input's hx-* attributes); ↑/↓ move through the hits, Enter opens
// one (or, in the box, the full results page), Esc closes. Loaded with the page's CSP nonce; no inline
// code. The top bar is rendered twice (phone and desktop layouts), so this file may run twice: once
// is enough.
(() => {
  if (window.opensalesSearch) return;
  window.opensalesSearch = true;

  let dialog = null;

  const hits = () => [...dialog.querySelectorAll("[data-search-hit]")];
  const input = () => dialog.querySelector("input[name=q]");

  function onKeydown(event) {
    if (event.key === "Escape") {
      // Closed here rather than left to the browser: Esc in a search field first clears it, and
      // Chrome ignores a second Esc-close without a click in between.
      event.preventDefault();
      dialog.close();
      return;
    }
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
    const items = hits();
    if (!items.length) return;
    event.preventDefault();
    const at = items.indexOf(document.activeElement);
    if (event.key === "ArrowDown") {
      items[at < 0 || at === items.length - 1 ? 0 : at + 1].focus();
    } else if (at <= 0) {
      input().focus();
    } else {
      items[at - 1].focus();
    }
  }

  function build() {
    const template = document.querySelector("template[data-search-template]");
    if (!template) return null;
    dialog = template.content.firstElementChild.cloneNode(true);
    document.body.appendChild(dialog);
    if (window.htmx) window.htmx.process(dialog);
    dialog.addEventListener("keydown", onKeydown);
    // A click on the backdrop (the dialog element itself, outside its content) closes it.
    dialog.addEventListener("click", (event) => {
      if (event.target === dialog) dialog.close();
    });
    dialog.querySelector("[data-search-close]").addEventListener("click", () => dialog.close());
    return dialog;
  }

  function open() {
    if (!dialog && !build()) return false;
    if (!dialog.open) dialog.showModal();
    input().focus();
    input().select();
    return true;
  }

  document.addEventListener("keydown", (event) => {
    if ((event.ctrlKey || event.metaKey) && !event.altKey && !event.shiftKey && event.key.toLowerCase() === "k") {
      event.preventDefault();
      open();
    }
  });
  document.addEventListener("click", (event) => {
    const trigger = event.target.closest("[data-search-open]");
    if (!trigger || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
    if (open()) event.preventDefault();
  });
})();
