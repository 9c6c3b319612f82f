// Quick assignment on the weekly schedule. Without this script every day is a link to the person's week form;
// with it, the grid is one keyboard widget (arrow keys move, Enter opens the day's form, 1–9 put the person on
// that project of the list, "." repeats the last project, Delete clears the day) and projects or filled days can
// be dragged onto another day. Every change submits the page's hidden quick form: the same POST the form makes,
// so the server sees nothing new. No inline handlers, no eval: it runs under the strict CSP.
(function () {
  "use strict";
  var table = document.getElementById("schedule");
  var quick = document.getElementById("quick");
  var clear = document.getElementById("quick-clear");
  if (!table || !quick) return;
  var days = Array.prototype.map.call(table.querySelectorAll("thead th[data-d]"), function (th) {
    return th.getAttribute("data-d");
  });
  var rows = Array.prototype.slice.call(table.querySelectorAll("tr[data-e]"));
  var chips = Array.prototype.slice.call(document.querySelectorAll("#palette .chip[data-p]"));
  var hint = document.getElementById("keys");
  if (hint) hint.hidden = false;

  function link(r, d) {
    var row = rows[r];
    var cell = row && row.querySelectorAll("td")[d];
    return cell ? cell.querySelector("a.c") : null;
  }
  function position(el) {
    var td = el && el.closest ? el.closest("td") : null;
    var tr = td ? td.closest("tr[data-e]") : null;
    if (!tr) return null;
    return { r: rows.indexOf(tr), d: Array.prototype.indexOf.call(tr.querySelectorAll("td"), td) };
  }
  // One tab stop for the whole grid (roving tabindex): Tab leaves the grid, arrows move inside it.
  var current = null;
  function focus(r, d) {
    var a = link(r, d);
    if (!a) return;
    if (current) current.tabIndex = -1;
    a.tabIndex = 0;
    current = a;
    a.focus();
  }
  table.querySelectorAll("a.c").forEach(function (a) {
    a.tabIndex = -1;
  });
  var first = link(0, 0);
  if (first) {
    first.tabIndex = 0;
    current = first;
  }

  function set(form, name, value) {
    var input = form.querySelector("input[name=" + name + "]");
    if (input) input.value = value == null ? "" : value;
  }
  function assign(p, what) {
    if (!p || !what) return;
    set(quick, "employee_id", rows[p.r].getAttribute("data-e"));
    set(quick, "day", days[p.d]);
    set(quick, "kind", what.kind);
    set(quick, "project_id", what.kind === "project" ? what.project : "");
    set(quick, "hours", what.hours || "");
    set(quick, "start_time", "");
    if (what.kind === "project") quick.setAttribute("data-last", what.project);
    quick.requestSubmit();
  }

  table.addEventListener("focusin", function (e) {
    var p = position(e.target);
    if (p && e.target.matches("a.c") && e.target !== current) {
      if (current) current.tabIndex = -1;
      e.target.tabIndex = 0;
      current = e.target;
    }
  });

  table.addEventListener("keydown", function (e) {
    var p = position(e.target);
    if (!p || e.altKey || e.ctrlKey || e.metaKey) return;
    var moves = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [-1, 0], ArrowDown: [1, 0] };
    if (moves[e.key]) {
      e.preventDefault();
      focus(Math.max(0, Math.min(rows.length - 1, p.r + moves[e.key][0])), Math.max(0, Math.min(days.length - 1, p.d + moves[e.key][1])));
    } else if (/^[1-9]$/.test(e.key) && chips[Number(e.key) - 1]) {
      e.preventDefault();
      assign(p, { kind: "project", project: chips[Number(e.key) - 1].getAttribute("data-p") });
    } else if (e.key === "." && quick.getAttribute("data-last")) {
      e.preventDefault();
      assign(p, { kind: "project", project: quick.getAttribute("data-last") });
    } else if ((e.key === "Delete" || e.key === "Backspace") && clear && e.target.querySelector("span")) {
      e.preventDefault();
      set(clear, "employee_id", rows[p.r].getAttribute("data-e"));
      set(clear, "day", days[p.d]);
      clear.requestSubmit();
    }
  });

  // Drag: a project of the list, or a day that holds one project or a status, onto another day.
  var dragged = null;
  function what(el) {
    if (el.getAttribute("data-p")) {
      var small = el.querySelector("small");
      return { kind: "project", project: el.getAttribute("data-p"), hours: small ? small.textContent.replace(/[^0-9.]/g, "") : "" };
    }
    return el.getAttribute("data-k") ? { kind: el.getAttribute("data-k") } : null;
  }
  chips.forEach(function (c) {
    c.setAttribute("draggable", "true");
  });
  table.querySelectorAll("td:not(.double) span.a[data-p], span.st[data-k]").forEach(function (s) {
    s.setAttribute("draggable", "true");
  });
  document.addEventListener("dragstart", function (e) {
    var el = e.target.closest && e.target.closest("[draggable=true]");
    dragged = el ? what(el) : null;
    if (!dragged) return;
    e.dataTransfer.effectAllowed = "copy";
    e.dataTransfer.setData("text/plain", dragged.project || dragged.kind);
  });
  document.addEventListener("dragend", function () {
    dragged = null;
    table.querySelectorAll(".drop-target").forEach(function (t) {
      t.classList.remove("drop-target");
    });
  });
  table.addEventListener("dragover", function (e) {
    var td = e.target.closest && e.target.closest("td");
    if (!dragged || !td || !position(td)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = "copy";
    td.classList.add("drop-target");
  });
  table.addEventListener("dragleave", function (e) {
    var td = e.target.closest && e.target.closest("td");
    if (td && !td.contains(e.relatedTarget)) td.classList.remove("drop-target");
  });
  table.addEventListener("drop", function (e) {
    var p = position(e.target);
    if (!dragged || !p) return;
    e.preventDefault();
    assign(p, dragged);
  });

  // After a change the server sends us back with ?at=<day>#r-<person>: the keyboard carries on from that day.
  var at = new URLSearchParams(location.search).get("at");
  var row = location.hash.indexOf("#r-") === 0 ? document.getElementById(location.hash.slice(1)) : null;
  // After load: the browser's own scroll to the #fragment would otherwise take the focus back to the page.
  if (row && rows.indexOf(row) >= 0) {
    var restore = function () {
      focus(rows.indexOf(row), Math.max(0, days.indexOf(at)));
    };
    if (document.readyState === "complete") restore();
    else window.addEventListener("load", restore);
  }
})();
