// The @mention autocomplete of the comment box (opensales/comments). A textarea marked
// data-mention-input="<suggest url>" asks the server, as the user types "@name", for colleagues who can
// see the record, and lists them in the [data-mention-menu] beside it; a click, Enter or Tab inserts
// "@name ". Loaded with the page's CSP nonce; no inline code. The partial may be swapped in by htmx
// many times, so the listeners are delegated and installed once.
(() => {
  if (window.opensalesMentions) return;
  window.opensalesMentions = true;

  const TOKEN = /(^|[^A-Za-z0-9._%+\-])@([^\s@]{0,20})$/;
  let timer = null;
  let active = -1;

  const menuOf = (input) => input.parentElement.querySelector("[data-mention-menu]");

  function close(input) {
    const menu = menuOf(input);
    if (menu) { menu.classList.remove("show"); menu.replaceChildren(); }
    active = -1;
  }

  function pending(input) {
    const match = TOKEN.exec(input.value.slice(0, input.selectionStart));
    return match ? { query: match[2], start: input.selectionStart - match[2].length - 1 } : null;
  }

  function insert(input, name) {
    const token = pending(input);
    if (!token) return;
    const before = input.value.slice(0, token.start);
    const after = input.value.slice(input.selectionStart);
    input.value = `${before}@${name} ${after}`;
    const caret = before.length + name.length + 2;
    input.setSelectionRange(caret, caret);
    close(input);
    input.focus();
  }

  function show(input, items) {
    const menu = menuOf(input);
    menu.replaceChildren();
    active = -1;
    for (const item of items) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "dropdown-item";
      button.setAttribute("role", "option");
      button.dataset.mentionName = item.name || item.username;
      const name = document.createElement("span");
      name.textContent = item.name;
      const login = document.createElement("span");
      login.className = "text-secondary ms-2 small";
      login.textContent = item.username;
      button.append(name, login);
      button.addEventListener("mousedown", (event) => {
        event.preventDefault();
        insert(input, button.dataset.mentionName);
      });
      menu.append(button);
    }
    menu.classList.toggle("show", items.length > 0);
  }

  async function lookup(input) {
    const token = pending(input);
    if (!token) { close(input); return; }
    const url = new URL(input.dataset.mentionInput, window.location.href);
    url.searchParams.set("q", token.query);
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (!response.ok) { close(input); return; }
      show(input, (await response.json()).items || []);
    } catch (_error) {
      close(input);
    }
  }

  document.addEventListener("input", (event) => {
    const input = event.target.closest("[data-mention-input]");
    if (!input) return;
    clearTimeout(timer);
    timer = setTimeout(() => lookup(input), 150);
  });

  document.addEventListener("keydown", (event) => {
    const input = event.target.closest("[data-mention-input]");
    if (!input) return;
    const menu = menuOf(input);
    if (!menu || !menu.classList.contains("show")) return;
    const options = [...menu.querySelectorAll("[data-mention-name]")];
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      active = (active + (event.key === "ArrowDown" ? 1 : options.length - 1)) % options.length;
      options.forEach((o, i) => o.classList.toggle("active", i === active));
    } else if ((event.key === "Enter" || event.key === "Tab") && options.length) {
      event.preventDefault();
      insert(input, options[Math.max(active, 0)].dataset.mentionName);
    } else if (event.key === "Escape") {
      close(input);
    }
  });

  document.addEventListener("focusout", (event) => {
    const input = event.target.closest && event.target.closest("[data-mention-input]");
    if (input) setTimeout(() => close(input), 150);
  });
})();
