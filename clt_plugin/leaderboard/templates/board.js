(function () {
  "use strict";
  function key(td, type) {
    var v = td.getAttribute("data-v");
    if (type === "num") { return v === null || v === "" ? null : parseFloat(v); }
    return (v === null ? td.textContent : v).toLowerCase();
  }
  function sortBy(th) {
    var table = th.closest("table");
    var body = table.tBodies[0];
    var index = Array.prototype.indexOf.call(th.parentNode.children, th);
    var type = th.getAttribute("data-type");
    var now = th.getAttribute("aria-sort");
    var dir = now ? (now === "ascending" ? "descending" : "ascending")
                  : (type === "num" ? "descending" : "ascending");
    var rows = Array.prototype.map.call(body.rows, function (r, i) {
      return { row: r, k: key(r.cells[index], type), i: i };
    });
    rows.sort(function (a, b) {
      if (a.k === null || b.k === null) {  /* missing values stay last either way */
        return (a.k === null) - (b.k === null) || a.i - b.i;
      }
      var c = a.k < b.k ? -1 : (a.k > b.k ? 1 : 0);
      return (dir === "descending" ? -c : c) || a.i - b.i;
    });
    rows.forEach(function (x) { body.appendChild(x.row); });
    Array.prototype.forEach.call(th.parentNode.children, function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", dir);
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.sortable th"), function (th) {
    th.tabIndex = 0;
    th.addEventListener("click", function () { sortBy(th); });
    th.addEventListener("keydown", function (e) {
      if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sortBy(th); }
    });
  });
  var buttons = document.querySelectorAll("nav button[data-view]");
  function show(view) {
    var target = document.getElementById("view-" + view);
    if (!target) { return; }
    Array.prototype.forEach.call(document.querySelectorAll("section.view"), function (s) {
      s.hidden = s !== target;
    });
    Array.prototype.forEach.call(buttons, function (b) {
      b.setAttribute("aria-selected", String(b.getAttribute("data-view") === view));
    });
  }
  Array.prototype.forEach.call(buttons, function (b) {
    b.addEventListener("click", function () {
      show(b.getAttribute("data-view"));
      history.replaceState(null, "", "#" + b.getAttribute("data-view"));
    });
  });
  if (location.hash.length > 1) { show(location.hash.slice(1)); }
  document.documentElement.setAttribute("data-ready", "1");
})();
