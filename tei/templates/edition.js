// The reading edition's behaviour. Every page works without it: the reading view shows by default
// and the view buttons switch views with CSS alone. The script remembers the chosen view, and runs
// the index page's search (over search-index.js), filters and sorting.
(function () {
  "use strict";
  var VIEW_KEY = "tei-edition-view";

  function remembered() {
    try { return window.localStorage.getItem(VIEW_KEY); } catch (e) { return null; }  // file:// may forbid it
  }
  function remember(value) {
    try { window.localStorage.setItem(VIEW_KEY, value); } catch (e) { /* not remembered, still switched */ }
  }

  function setUpViews() {
    var radios = document.querySelectorAll('input[name="view"]');
    var saved = remembered();
    Array.prototype.forEach.call(radios, function (radio) {
      if (saved && radio.value === saved) { radio.checked = true; }
      radio.addEventListener("change", function () { if (radio.checked) { remember(radio.value); } });
    });
  }

  function fold(text) {
    return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function setUpIndex() {
    var form = document.querySelector("form.finder");
    var list = document.querySelector("ol.documents");
    if (!form || !list) { return; }
    var items = Array.prototype.slice.call(list.children);
    var count = document.getElementById("count");
    var search = document.getElementById("search");
    var selects = Array.prototype.slice.call(form.querySelectorAll("select[data-filter]"));
    var sorters = Array.prototype.slice.call(form.querySelectorAll("button[data-sort]"));
    var index = window.TEI_SEARCH || { pages: [], terms: {} };
    var terms = Object.keys(index.terms);
    var sortBy = "date";
    form.hidden = false;

    // The pages (hrefs) that hold every word of the query, each word as a prefix; null: no query.
    function found(query) {
      var words = fold(query).match(/[\p{L}\p{N}_]+/gu);
      if (!words) { return null; }
      var result = null;
      words.forEach(function (word) {
        var pages = new Set();
        terms.forEach(function (term) {
          if (term.lastIndexOf(word, 0) === 0) {
            index.terms[term].forEach(function (n) { pages.add(index.pages[n]); });
          }
        });
        result = result === null ? pages : new Set(Array.from(result).filter(function (p) { return pages.has(p); }));
      });
      return result;
    }

    function update() {
      var hits = found(search.value);
      var shown = 0;
      items.forEach(function (item) {
        var ok = hits === null || hits.has(item.dataset.href);
        selects.forEach(function (select) {
          var wanted = select.value;
          var kind = select.dataset.filter;
          if (wanted && ok) {
            ok = kind === "year" ? item.dataset.year === wanted
                                 : (" " + (item.dataset[kind] || "") + " ").indexOf(" " + wanted + " ") >= 0;
          }
        });
        item.hidden = !ok;
        if (ok) { shown += 1; }
      });
      var filtered = shown !== items.length || hits !== null;
      count.textContent = (filtered ? shown + " of " + items.length : items.length) + " document" +
        (items.length === 1 ? "" : "s") + (hits !== null ? " containing “" + search.value.trim() + "”" : "") +
        ", by " + sortBy + ".";
      var params = new URLSearchParams();
      if (search.value.trim()) { params.set("q", search.value.trim()); }
      selects.forEach(function (select) { if (select.value) { params.set(select.dataset.filter, select.value); } });
      if (sortBy !== "date") { params.set("sort", sortBy); }
      var query = params.toString();
      try { history.replaceState(null, "", query ? "?" + query : location.pathname); } catch (e) { /* file:// */ }
    }

    function sort(by) {
      sortBy = by;
      sorters.forEach(function (b) { b.setAttribute("aria-pressed", String(b.dataset.sort === by)); });
      var ordered = items.slice().sort(function (a, b) {
        if (by === "title") {
          var c = a.dataset.title.localeCompare(b.dataset.title, undefined, { sensitivity: "base", numeric: true });
          if (c !== 0) { return c; }
        }
        return Number(a.dataset.order) - Number(b.dataset.order);
      });
      ordered.forEach(function (item) { list.appendChild(item); });
      update();
    }

    var params = new URLSearchParams(location.search);
    search.value = params.get("q") || "";
    selects.forEach(function (select) {
      var wanted = params.get(select.dataset.filter);
      if (wanted && select.querySelector('option[value="' + CSS.escape(wanted) + '"]')) { select.value = wanted; }
    });
    search.addEventListener("input", update);
    selects.forEach(function (select) { select.addEventListener("change", update); });
    sorters.forEach(function (button) { button.addEventListener("click", function () { sort(button.dataset.sort); }); });
    form.addEventListener("submit", function (event) { event.preventDefault(); update(); });
    form.addEventListener("reset", function () { window.setTimeout(function () { sort("date"); }, 0); });
    sort(params.get("sort") === "title" ? "title" : "date");
  }

  function start() { setUpViews(); setUpIndex(); }
  // Deferred scripts run before DOMContentLoaded, so waiting for it sees search-index.js loaded too.
  if (document.readyState === "complete") { start(); } else { document.addEventListener("DOMContentLoaded", start); }
}());
