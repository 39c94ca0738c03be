// Progressive enhancement only: the pages work without it.
(function () {
  "use strict";
  var form = document.getElementById("search-form");
  var summary = document.getElementById("error");
  if (summary) { summary.focus(); }
  if (!form) { return; }

  // Ticking a facet value or changing the sort applies it at once.
  form.addEventListener("change", function (event) {
    var t = event.target;
    if (t.matches('input[type="checkbox"], select')) { form.requestSubmit ? form.requestSubmit() : form.submit(); }
  });

  // Type to narrow a long facet list (forces and services); selected values always stay visible.
  document.querySelectorAll(".facet-search").forEach(function (box) {
    var input = box.querySelector("input.facet-filter");
    var status = box.querySelector(".facet-filter-status");
    var lists = document.getElementById(input.getAttribute("data-filters"));
    box.hidden = false;
    input.addEventListener("input", function () {
      var needle = input.value.trim().toLowerCase();
      var shown = 0, total = 0;
      lists.querySelectorAll("li.facet-value").forEach(function (li) {
        var label = li.querySelector(".facet-label").textContent.toLowerCase();
        li.hidden = needle !== "" && label.indexOf(needle) === -1 && !li.classList.contains("selected");
        total += 1;
        if (!li.hidden) { shown += 1; }
      });
      lists.querySelectorAll("ul.facet-list").forEach(function (ul) {
        var heading = ul.previousElementSibling;
        var empty = !ul.querySelector("li.facet-value:not([hidden])");
        if (heading && heading.classList.contains("facet-group")) { heading.hidden = empty; }
        ul.hidden = empty;
      });
      status.textContent = needle === "" ? "" : shown + " of " + total + " shown";
    });
    input.addEventListener("keydown", function (e) { if (e.key === "Enter") { e.preventDefault(); } });
  });

  // On a narrow screen the filters start folded away, so the results come first.
  var panel = document.getElementById("filters-panel");
  if (panel && window.matchMedia) {
    var narrow = window.matchMedia("(max-width: 48rem)");
    var fit = function () { panel.open = !narrow.matches; };
    fit();
    if (narrow.addEventListener) { narrow.addEventListener("change", fit); }
  }

  // Leave empty fields out so permalinks stay short.
  form.addEventListener("submit", function () {
    form.querySelectorAll("input[type=date], input[type=search]:not(.facet-filter)").forEach(function (el) {
      if (!el.value) { el.disabled = true; }
    });
    form.querySelectorAll("input.facet-filter").forEach(function (el) { el.disabled = true; });
    var sort = form.querySelector("select[name=sort]");
    if (sort && sort.value === "relevance") { sort.disabled = true; }
  });
})();
