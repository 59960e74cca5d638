// Visit check-in: "Use my location" asks the browser for its position (the permission prompt) and fills
// the latitude/longitude fields; without it the rep types the address. Loaded with the CSP nonce.
(() => {
  "use strict";
  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-locate]");
    if (!button) return;
    const form = button.closest("form[data-checkin]");
    const status = form.querySelector("[data-locate-status]");
    const say = (key) => { status.textContent = form.dataset[key] || ""; };
    if (!("geolocation" in navigator)) { say("msgUnsupported"); form.elements.address.focus(); return; }
    button.disabled = true;
    say("msgLocating");
    navigator.geolocation.getCurrentPosition(
      (position) => {
        form.elements.latitude.value = position.coords.latitude.toFixed(6);
        form.elements.longitude.value = position.coords.longitude.toFixed(6);
        button.disabled = false;
        say("msgFound");
        form.elements.address.focus();
      },
      () => {
        button.disabled = false;
        say("msgDenied");
        form.elements.address.focus();
      },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 },
    );
  });
})();
