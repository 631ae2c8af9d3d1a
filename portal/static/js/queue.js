// The office queue: keyboard shortcuts (listed on the page, can be switched off) and the
// "select all" box of the bulk hand-over. The page works without this file.
(function () {
  "use strict";
  var table = document.getElementById("queue-table");
  var toggle = document.getElementById("shortcuts-on");
  var search = document.getElementById("q");
  var bulkForm = document.getElementById("bulk-form");
  var countOut = document.getElementById("bulk-count");
  var STORE = "portal.queue.shortcuts";
  var current = -1;

  function rows() { return table ? Array.prototype.slice.call(table.tBodies[0].rows) : []; }
  function boxes() { return bulkForm ? Array.prototype.slice.call(bulkForm.querySelectorAll("input[name=selected]")) : []; }

  function updateCount() {
    if (!countOut) { return; }
    var n = boxes().filter(function (b) { return b.checked; }).length;
    countOut.textContent = n ? "(" + n + ")" : "";
  }

  function focusRow(i) {
    var list = rows();
    if (!list.length) { return; }
    current = Math.max(0, Math.min(list.length - 1, i));
    list.forEach(function (row, j) { row.classList.toggle("is-current", j === current); });
    var link = list[current].querySelector("a.row-link");
    if (link) { link.focus(); }
  }

  try {
    if (toggle && window.localStorage.getItem(STORE) === "off") { toggle.checked = false; }
  } catch (e) { /* storage unavailable: shortcuts stay on for this page */ }
  if (toggle) {
    toggle.addEventListener("change", function () {
      try { window.localStorage.setItem(STORE, toggle.checked ? "on" : "off"); } catch (e) { /* ignore */ }
    });
  }

  var selectAll = document.getElementById("select-all");
  if (selectAll && bulkForm) {
    selectAll.hidden = false;
    selectAll.addEventListener("change", function () {
      boxes().forEach(function (b) { b.checked = selectAll.checked; });
      updateCount();
    });
    bulkForm.addEventListener("change", updateCount);
    bulkForm.addEventListener("submit", function (event) {
      if (!boxes().some(function (b) { return b.checked; })) { return; }
      var button = bulkForm.querySelector("button[type=submit]");
      if (bulkForm.dataset.sent) { event.preventDefault(); return; }
      bulkForm.dataset.sent = "1";
      if (button) { button.setAttribute("aria-disabled", "true"); }
    });
  }

  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" && target.type !== "checkbox" || tag === "TEXTAREA" || tag === "SELECT" ||
      (target && target.isContentEditable);
  }

  function clickShortcut(key) {
    var el = document.querySelector('[data-shortcut="' + key + '"]');
    if (el) { el.click(); return true; }
    return false;
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (event.key === "Escape" && document.activeElement === search) { search.blur(); return; }
    if (!toggle || !toggle.checked || typing(event.target)) { return; }
    var key = event.key;
    if (key === "/") {
      if (search) { event.preventDefault(); search.focus(); search.select(); }
    } else if (key === "j") {
      event.preventDefault(); focusRow(current + 1);
    } else if (key === "k") {
      event.preventDefault(); focusRow(current - 1);
    } else if (key === "x" && current >= 0) {
      var box = rows()[current].querySelector("input[name=selected]");
      if (box) { event.preventDefault(); box.checked = !box.checked; updateCount(); }
    } else if (/^[1-9]$/.test(key) || key === "n" || key === "p" || key === "f") {
      if (clickShortcut(key)) { event.preventDefault(); }
    }
  });
})();
