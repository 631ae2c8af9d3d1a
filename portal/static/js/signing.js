// The dossier page while the leader's decision is being signed (docs/signatures.md, "Deferred
// signing"): ask once to sign now (what the "Ký số ngay" button does without a script), then
// follow the status and reload the page when the result is signed, or when the signing needs a
// person (the page then says why). The decision is already recorded: leaving the page loses nothing.
(function () {
  "use strict";
  var panel = document.getElementById("signing");
  if (!panel || panel.getAttribute("data-state") !== "pending" || !window.fetch) { return; }
  var form = document.getElementById("sign-now");
  var region = document.getElementById("signing-status");
  var statusUrl = panel.getAttribute("data-status-url");
  var delay = 1500;
  var MAX_DELAY = 30000;

  function say(text) {
    if (!text) { return; }
    var line = region.querySelector(".signing-live");
    if (!line) {
      line = document.createElement("p");
      line.className = "signing-live";
      region.appendChild(line);
    }
    line.textContent = text;
  }

  function settled(state) {
    if (state.result_signed || state.result_signing !== "pending") {
      say(panel.getAttribute("data-signed-text"));
      window.location.reload();
      return true;
    }
    return false;
  }

  function later() {
    window.setTimeout(follow, delay);
    delay = Math.min(MAX_DELAY, delay * 2);
  }

  function follow() {
    fetch(statusUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response); })
      .then(function (state) {
        if (settled(state)) { return; }
        // the next attempt is due and no worker took it (the demo runs none): ask again
        if (state.next_attempt_at && Date.parse(state.next_attempt_at) <= Date.now()) { signNow(); } else { later(); }
      })
      .catch(function () { say(panel.getAttribute("data-offline-text")); later(); });
  }

  function signNow() {
    if (!form) { follow(); return; }
    form.setAttribute("aria-busy", "true");
    fetch(form.action, { method: "POST", credentials: "same-origin", body: new FormData(form),
      headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response); })
      .then(function (answer) {
        form.removeAttribute("aria-busy");
        if (settled(answer)) { return; }
        say(answer.message);
        later();
      })
      .catch(function () { form.removeAttribute("aria-busy"); follow(); });
  }

  signNow();
})();
