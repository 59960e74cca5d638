// Workspace pages: record pickers (Tom Select), the column chooser, and saved views that follow the
// list's current state. Loaded with the CSP nonce; no inline handlers.
(() => {
  "use strict";

  // <select data-picker data-url="/w/employees/pick/" data-depends-on="department">: Tom Select over
  // the server's scoped options; a dependent picker passes the other field's value and clears
  // itself when that field changes.
  function initPickers(root) {
    if (typeof window.TomSelect === "undefined") return;
    root.querySelectorAll("select[data-picker]").forEach((select) => {
      if (select.tomselect) return;
      const url = select.dataset.url;
      const dependsOn = select.dataset.dependsOn;
      const creatable = select.dataset.picker === "tags" && select.dataset.create === "1";
      const options = {
        maxOptions: 50,
        create: creatable,
        plugins: select.multiple ? ["remove_button"] : [],
        allowEmptyOption: !select.required,
        render: { no_results: () => `<div class="no-results">${select.dataset.empty || "—"}</div>` },
      };
      if (url) {
        options.valueField = "value";
        options.labelField = "text";
        options.searchField = [];  // the server matched: do not filter its answer again
        options.shouldLoad = () => true;
        options.load = (query, callback) => {
          const params = new URLSearchParams({ q: query });
          if (dependsOn) {
            const other = select.form && select.form.elements[dependsOn];
            if (other && other.value) params.set(dependsOn, other.value);
          }
          fetch(`${url}?${params}`, { headers: { Accept: "application/json" }, credentials: "same-origin" })
            .then((r) => (r.ok ? r.json() : { results: [] }))
            .then((data) => callback(data.results))
            .catch(() => callback());
        };
      }
      const ts = new window.TomSelect(select, options);
      if (dependsOn && select.form && select.form.elements[dependsOn]) {
        select.form.elements[dependsOn].addEventListener("change", () => {
          ts.clear(); ts.clearOptions(); ts.load("");
        });
      }
    });
  }

  // The column chooser writes the checked columns into its hidden "cols" input before submitting.
  document.addEventListener("submit", (event) => {
    const chooser = event.target.closest("form[data-column-chooser]");
    if (chooser) {
      const cols = [...chooser.querySelectorAll("input[data-col]:checked")].map((i) => i.value);
      chooser.querySelector("input[data-cols]").value = cols.join(",");
    }
    // Saved-view forms store the list's state as it is now (htmx may have changed it since load).
    if (event.target.closest("[data-testid=saved-views]")) {
      const query = new URLSearchParams(window.location.search);
      ["view", "page", "after", "before"].forEach((name) => query.delete(name));
      event.target.querySelectorAll("input[name=query]").forEach((input) => { input.value = query.toString(); });
    }
  }, true);

  // "Select all rows on this page".
  document.addEventListener("change", (event) => {
    const master = event.target.closest("input[data-select-page]");
    if (!master) return;
    const table = master.closest("table");
    table.querySelectorAll("input[name=ids]").forEach((box) => {
      box.checked = master.checked;
      box.dispatchEvent(new Event("change", { bubbles: true }));
    });
  });

  document.addEventListener("DOMContentLoaded", () => initPickers(document));
  document.addEventListener("htmx:after:swap", (event) => initPickers(event.target || document));
})();
