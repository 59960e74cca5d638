// The cascading region picker of the customer form: province → city → district selects, each
// filled from customers:regions (?parent=<code>) when the level above changes.
(function () {
  "use strict";
  const LEVELS = ["province", "city", "district"];

  function select(level) {
    return document.querySelector(`select[data-region-level="${level}"]`);
  }

  function fill(target, items) {
    const first = target.options[0] ? target.options[0].cloneNode(true) : new Option("—", "");
    target.replaceChildren(first);
    items.forEach((item) => target.append(new Option(item.text, item.value)));
    target.value = "";
  }

  async function load(level, parent) {
    const target = select(level);
    if (!target) return;
    if (!parent) {
      fill(target, []);
      return;
    }
    const url = new URL(target.dataset.url, window.location.origin);
    url.searchParams.set("parent", parent);
    const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
    fill(target, response.ok ? await response.json() : []);
  }

  function init() {
    LEVELS.slice(0, 2).forEach((level, i) => {
      const source = select(level);
      if (!source || source.dataset.regionBound) return;
      source.dataset.regionBound = "1";
      source.addEventListener("change", async () => {
        await load(LEVELS[i + 1], source.value);
        if (i === 0) fill(select("district"), []);
      });
    });
  }

  document.addEventListener("DOMContentLoaded", init);
  document.addEventListener("htmx:after:swap", init);
})();
