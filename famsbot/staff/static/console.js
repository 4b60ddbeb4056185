/* famsbot staff console: keeping keyboard and screen-reader users in place when htmx changes the page.
 *
 * 1. After a form is submitted with htmx, focus moves to what happened: the field at fault (which has
 *    aria-invalid and its message beside it), else the error, else the confirmation. Without this focus
 *    fell to <body> and the result appeared off-screen.
 * 2. The inbox refresh (every 15 s) updates rows in place: unchanged rows are left alone, changed rows are
 *    replaced, new ones added, gone ones removed; whatever had focus keeps it (or gets it back by id).
 *    Replacing the whole table threw away the keyboard focus and the screen reader's position.
 * 3. The tab's title counts the urgent concerns nobody has acknowledged, so a new one is noticed from
 *    another tab.
 */
(function () {
  "use strict";

  function focusResult(root) {
    var field = root.querySelector('[aria-invalid="true"]');
    if (field && field.tagName === "FIELDSET") {
      field = field.querySelector("input, select, textarea");
    }
    var target = field || root.querySelector('[role="alert"][tabindex="-1"]') ||
      root.querySelector('[role="status"][tabindex="-1"]');
    if (target) {
      target.focus({ preventScroll: true });
      target.scrollIntoView({ block: "center" });
    }
  }

  document.addEventListener("htmx:afterSettle", function (event) {
    var elt = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (elt && elt.tagName === "FORM" && event.detail.target) {
      focusResult(document.getElementById(event.detail.target.id) || document);
    }
  });

  function updateRows(tbody, html) {
    var holder = document.createElement("table");
    holder.innerHTML = html;
    var fresh = holder.querySelector("tbody");
    if (!fresh) { return false; }
    var focusedId = document.activeElement && document.activeElement.id;
    var wanted = Array.prototype.slice.call(fresh.children);
    var wantedIds = {};
    wanted.forEach(function (row) { if (row.id) { wantedIds[row.id] = true; } });
    Array.prototype.slice.call(tbody.children).forEach(function (row) {
      if (!row.id || !wantedIds[row.id]) { tbody.removeChild(row); }
    });
    wanted.forEach(function (row, index) {
      var current = tbody.children[index];
      var existing = row.id ? document.getElementById(row.id) : null;
      if (existing && existing.parentNode === tbody) {
        if (existing !== current) { tbody.insertBefore(existing, current || null); }
        if (existing.outerHTML !== row.outerHTML) { tbody.replaceChild(row, existing); }
      } else {
        tbody.insertBefore(row, current || null);
      }
    });
    if (focusedId && document.activeElement !== document.getElementById(focusedId)) {
      var again = document.getElementById(focusedId);
      if (again) { again.focus({ preventScroll: true }); }
    }
    return true;
  }

  function countUrgentInTitle(tbody) {
    var waiting = tbody.querySelectorAll("tr[data-urgent-new]").length;
    var base = document.title.replace(/^\(\d+ urgent\) /, "");
    document.title = waiting ? "(" + waiting + " urgent) " + base : base;
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (target && target.id === "inbox-rows" && event.detail.xhr.status === 200) {
      if (updateRows(target, event.detail.serverResponse)) {
        event.detail.shouldSwap = false;
        countUrgentInTitle(target);
      }
    }
  });
})();
