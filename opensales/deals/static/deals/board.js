// The deal board: drag a card to another stage (SortableJS) or pick the stage in the card's select
// (phones); either posts to the card's move URL with its version, and the answer replaces the board.
(function () {
  "use strict";

  function csrf(root) {
    const input = root.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function move(card, stageId) {
    const board = document.getElementById("board");
    const body = new URLSearchParams();
    body.set("stage", stageId);
    body.set("version", card.dataset.version);
    body.set("pipeline", board.dataset.pipeline);
    const query = window.location.search;
    board.setAttribute("aria-busy", "true");
    fetch(card.dataset.moveUrl + query, {
      method: "POST",
      headers: { "X-CSRFToken": csrf(board), "HX-Request": "true", "HX-Target": "board" },
      body: body,
      credentials: "same-origin",
    })
      .then((response) => response.text())
      .then((html) => {
        const holder = document.createElement("div");
        holder.innerHTML = html;
        const fresh = holder.querySelector("#board");
        if (fresh) {
          board.replaceWith(fresh);
          init();
        }
      })
      .catch(() => board.removeAttribute("aria-busy"));
  }

  function init() {
    const board = document.getElementById("board");
    if (!board) return;
    board.querySelectorAll(".deal-stage-select").forEach((select) => {
      select.addEventListener("change", () => move(select.closest(".deal-card"), select.value));
    });
    if (!window.Sortable || !board.querySelector(".deal-stage-select")) return;
    board.querySelectorAll(".deal-cards").forEach((list) => {
      window.Sortable.create(list, {
        group: "deals",
        animation: 150,
        forceFallback: true, // mouse and touch events: the same behaviour in every browser
        fallbackTolerance: 4,
        draggable: ".deal-card",
        filter: "select, a",
        preventOnFilter: false,
        delayOnTouchOnly: true,
        delay: 200,
        onEnd: (event) => {
          if (event.from === event.to) return;
          move(event.item, event.to.dataset.stage);
        },
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
