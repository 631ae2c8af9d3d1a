// The portal works without JavaScript; this only installs the offline reader (service worker).
if ("serviceWorker" in navigator) {
  window.addEventListener("load", function () {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () {});
  });
}

// Long actions (signing, generating PDFs): say they are running and refuse a second click. Without
// JavaScript the server still does an action once (idempotency key and version of the page).
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (!form.hasAttribute || !form.hasAttribute("data-busy")) return;
  if (form.getAttribute("aria-busy") === "true") { event.preventDefault(); return; }
  form.setAttribute("aria-busy", "true");
  var status = form.querySelector(".busy-status");
  if (status) status.textContent = form.getAttribute("data-busy");
  setTimeout(function () {
    form.querySelectorAll("button[type=submit], button:not([type])").forEach(function (button) {
      button.disabled = true;
      button.setAttribute("aria-disabled", "true");
    });
  }, 0);
});
document.addEventListener("click", function (event) {
  var link = event.target.closest ? event.target.closest("a[data-busy]") : null;
  if (!link) return;
  if (link.getAttribute("aria-busy") === "true") { event.preventDefault(); return; }
  link.setAttribute("aria-busy", "true");
  var status = link.parentNode.querySelector(".busy-status") || document.querySelector(".busy-status");
  if (status) status.textContent = link.getAttribute("data-busy");
  setTimeout(function () {
    link.removeAttribute("aria-busy");
    if (status) status.textContent = "";
  }, 8000);
});
// Back on a page from the browser's history: the forms work again.
window.addEventListener("pageshow", function (event) {
  if (!event.persisted) return;
  document.querySelectorAll("form[aria-busy=true]").forEach(function (form) {
    form.removeAttribute("aria-busy");
    form.querySelectorAll("button[disabled]").forEach(function (button) { button.disabled = false; });
  });
});
// The desk intake: choosing another procedure shows its documents and e-form at once.
document.querySelectorAll("select[data-reload]").forEach(function (select) {
  var button = document.getElementById(select.getAttribute("data-reload"));
  if (!button) return;
  button.parentNode.hidden = true;
  button.parentNode.style.display = "none";
  select.addEventListener("change", function () {
    if (select.form.requestSubmit) select.form.requestSubmit(button); else button.click();
  });
});
