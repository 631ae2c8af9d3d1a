// The office dossier page: single-key shortcuts, listed on the page and switched off by its
// checkbox (WCAG 2.1.4): never while typing, never with Ctrl/Alt/Meta. The page works without it.
(function () {
  "use strict";
  var toggle = document.getElementById("dossier-shortcuts-on");
  if (!toggle) { return; }
  var STORE = "portal.dossier.shortcuts";
  try {
    if (window.localStorage.getItem(STORE) === "off") { toggle.checked = false; }
  } catch (e) { /* storage unavailable: shortcuts stay on for this page */ }
  toggle.addEventListener("change", function () {
    try { window.localStorage.setItem(STORE, toggle.checked ? "on" : "off"); } catch (e) { /* ignore */ }
  });

  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" && target.type !== "checkbox" || tag === "TEXTAREA" || tag === "SELECT" ||
      (target && target.isContentEditable);
  }

  function focusOn(selector) {
    var el = document.querySelector(selector);
    if (!el) { return false; }
    if (!el.hasAttribute("tabindex") && !/^(A|BUTTON|INPUT|SELECT|TEXTAREA|SUMMARY)$/.test(el.tagName)) {
      el.setAttribute("tabindex", "-1");
    }
    el.scrollIntoView({block: "start"});
    el.focus();
    return true;
  }

  var targets = {
    a: function () {  // the recommended action: its first field, else its button
      return focusOn("form.action-recommended :is(input:not([type=hidden]), select, textarea)") ||
        focusOn("form.action-recommended button[type=submit]");
    },
    o: function () { return focusOn("details.action-more > summary"); },
    g: function () { return focusOn("#docs-title"); },
    b: function () { return focusOn("#forms-title"); },
    l: function () { return focusOn("#history-title"); },
    h: function () {
      var link = document.querySelector("[data-shortcut-queue]");
      if (link) { window.location.assign(link.href); return true; }
      return false;
    }
  };

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || !toggle.checked || typing(event.target)) { return; }
    var go = targets[event.key];
    if (go && go()) { event.preventDefault(); }
  });
})();
