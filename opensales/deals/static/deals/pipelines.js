// Pipelines page: stages reorder by drag and drop inside their pipeline's form (SortableJS).
(function () {
  "use strict";
  function init() {
    if (!window.Sortable) return;
    document.querySelectorAll("[data-reorder] [data-sortable]").forEach((list) => {
      window.Sortable.create(list, { animation: 150 });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
