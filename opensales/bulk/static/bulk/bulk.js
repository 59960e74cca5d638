// The bulk toolbar of workspace lists (opensales/bulk/templates/bulk/_toolbar.html). Without this file
// the toolbar still works: every action is a <details> panel with its own submit button. With it: the
// actions show only once rows are selected, a "select page" box checks every row, and the count shows.
(() => {
  let refreshCurrent = null;  // the refresh of the toolbar now in the page (htmx swaps replace it)
  const init = () => {
    refreshCurrent = null;
    const form = document.getElementById("bulk-form");
    const toolbar = document.querySelector("[data-bulk-toolbar]");
    if (!form || !toolbar) return;
    const rowBoxes = () => Array.from(document.querySelectorAll('input[type="checkbox"][name="ids"][form="bulk-form"]'));
    const pageToggle = toolbar.querySelector("[data-bulk-page-toggle]");
    const selectPage = toolbar.querySelector("[data-bulk-select-page]");
    const all = toolbar.querySelector("[data-bulk-all]");
    const actions = toolbar.querySelector("[data-bulk-actions]");
    const count = toolbar.querySelector("[data-bulk-count]");
    const format = (text, n) => text.replace("{n}", n);

    const refresh = () => {
      const boxes = rowBoxes();
      const checked = boxes.filter((box) => box.checked).length;
      if (pageToggle) pageToggle.hidden = boxes.length === 0;
      if (selectPage) {
        selectPage.checked = boxes.length > 0 && checked === boxes.length;
        selectPage.indeterminate = checked > 0 && checked < boxes.length;
      }
      const everything = all && all.checked;
      if (actions) actions.hidden = !(checked > 0 || everything);
      if (count) {
        if (everything) count.textContent = format(toolbar.dataset.textAll, all.dataset.total);
        else count.textContent = checked ? format(toolbar.dataset.textSelected, checked) : "";
      }
    };

    if (selectPage) {
      selectPage.addEventListener("change", () => {
        rowBoxes().forEach((box) => { box.checked = selectPage.checked; });
        if (!selectPage.checked && all) all.checked = false;
        refresh();
      });
    }
    // One action panel open at a time.
    toolbar.querySelectorAll("details.bulk-action").forEach((details) => {
      details.addEventListener("toggle", () => {
        if (!details.open) return;
        toolbar.querySelectorAll("details.bulk-action[open]").forEach((other) => {
          if (other !== details) other.open = false;
        });
      });
    });
    refreshCurrent = refresh;
    refresh();
  };
  document.addEventListener("change", (event) => {
    if (refreshCurrent && event.target.matches('input[name="ids"][form="bulk-form"], [data-bulk-all]')) refreshCurrent();
  });
  // A list re-rendered by htmx brings a new toolbar and new rows: bind to them.
  document.addEventListener("htmx:after:swap", init);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
