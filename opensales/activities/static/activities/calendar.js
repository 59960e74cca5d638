// The follow-up calendar: drag a planned follow-up onto another day (month, week) or hour (day view);
// the move is POSTed with the version it was shown at (409 when someone changed it meanwhile), then
// the page reloads. The person picker submits its form on change. Loaded with the CSP nonce.
(() => {
  "use strict";
  let dragged = null;

  document.addEventListener("dragstart", (event) => {
    const item = event.target.closest && event.target.closest("[data-item]");
    if (!item) return;
    dragged = item;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", item.dataset.url);
  });
  document.addEventListener("dragend", () => { dragged = null; });

  const zoneOf = (event) => event.target.closest && event.target.closest("[data-drop-date]");
  document.addEventListener("dragover", (event) => {
    const zone = zoneOf(event);
    if (!zone || !dragged) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    zone.classList.add("cal-drop-over");
  });
  document.addEventListener("dragleave", (event) => {
    const zone = zoneOf(event);
    if (zone && !zone.contains(event.relatedTarget)) zone.classList.remove("cal-drop-over");
  });
  document.addEventListener("drop", (event) => {
    const zone = zoneOf(event);
    if (!zone || !dragged) return;
    event.preventDefault();
    zone.classList.remove("cal-drop-over");
    const item = dragged;
    const [, time] = item.dataset.at.split("T");
    let [hour, minute] = time.split(":");
    if (zone.dataset.dropHour !== undefined) hour = String(zone.dataset.dropHour).padStart(2, "0");
    const at = `${zone.dataset.dropDate}T${hour}:${minute}`;
    if (at === item.dataset.at) return;
    zone.appendChild(item);
    move(item, at);
  });

  function move(item, at) {
    const root = document.querySelector("[data-calendar]");
    const token = root.querySelector("input[name=csrfmiddlewaretoken]").value;
    const body = new URLSearchParams({ at, version: item.dataset.version });
    fetch(item.dataset.url, {
      method: "POST",
      body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": token, Accept: "application/json" },
    })
      .then((response) => response.json().then((data) => ({ ok: response.ok, data })))
      .then(({ ok, data }) => {
        if (!ok) window.alert(data.error || root.dataset.msgFailed);
        window.location.reload();
      })
      .catch(() => { window.alert(root.dataset.msgFailed); window.location.reload(); });
  }

  document.addEventListener("change", (event) => {
    const form = event.target.closest("form[data-autosubmit]");
    if (form) form.submit();
  });
})();
