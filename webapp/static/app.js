// Progressive enhancement only: the pages work without it.
(function () {
  "use strict";
  var form = document.getElementById("search-form");
  if (!form) { return; }
  // Ticking a facet value or changing the sort applies it at once.
  form.addEventListener("change", function (event) {
    var t = event.target;
    if (t.matches('input[type="checkbox"], select')) { form.submit(); }
  });
  // Type to narrow a long facet list (forces and services).
  document.querySelectorAll("input.facet-filter").forEach(function (input) {
    var list = document.getElementById(input.getAttribute("data-filters"));
    input.addEventListener("input", function () {
      var needle = input.value.trim().toLowerCase();
      list.querySelectorAll("li").forEach(function (li) {
        var text = li.textContent.toLowerCase();
        li.hidden = needle !== "" && text.indexOf(needle) === -1 && !li.classList.contains("selected");
      });
    });
    input.addEventListener("keydown", function (e) { if (e.key === "Enter") { e.preventDefault(); } });
  });
  // Remove empty fields so permalinks stay short.
  form.addEventListener("submit", function () {
    form.querySelectorAll("input[type=date], input[type=search]").forEach(function (el) {
      if (!el.value) { el.disabled = true; }
    });
    var sort = form.querySelector("select[name=sort]");
    if (sort && sort.value === "relevance") { sort.disabled = true; }
  });
})();
