// As-you-type suggestions for the site search box: progressive enhancement.
// Without this script the box is a plain GET form to /search/. With it, the
// box's <datalist> is filled from the cached JSON at data-suggest-url
// (titles and category names, initial consonants included); picking one
// puts it in the box, and the form submits as before.
(function () {
  "use strict";
  var DELAY_MS = 150;

  function attach(input) {
    var list = document.getElementById(input.getAttribute("list"));
    var url = input.getAttribute("data-suggest-url");
    if (!list || !url || !window.fetch) return;
    var timer = null;
    var last = "";

    function fill(data) {
      if (data.q !== input.value.trim()) return;
      while (list.firstChild) list.removeChild(list.firstChild);
      var values = [];
      data.titles.forEach(function (item) { values.push(item.title); });
      data.categories.forEach(function (item) { values.push(item.name); });
      values.forEach(function (value) {
        var option = document.createElement("option");
        option.value = value; // textContent-safe: never parsed as HTML
        list.appendChild(option);
      });
    }

    input.addEventListener("input", function () {
      var q = input.value.trim();
      if (q === last) return;
      last = q;
      window.clearTimeout(timer);
      if (!q) return;
      timer = window.setTimeout(function () {
        fetch(url + "?q=" + encodeURIComponent(q), {
          headers: { Accept: "application/json" },
          credentials: "same-origin"
        })
          .then(function (response) { return response.ok ? response.json() : null; })
          .then(function (data) { if (data) fill(data); })
          .catch(function () { /* suggestions are optional */ });
      }, DELAY_MS);
    });
  }

  document.querySelectorAll("input[data-suggest-url]").forEach(attach);
})();
