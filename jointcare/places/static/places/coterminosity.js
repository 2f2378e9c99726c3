// The coterminosity page: sortable tables and the council map (data from the page's JSON script element).
(function () {
  // Sortable tables: each header button sorts its column; aria-sort tells assistive technology the order.
  document.querySelectorAll("table.jc-sortable").forEach(function (table) {
    var headers = Array.prototype.slice.call(table.querySelectorAll("thead th"));
    headers.forEach(function (th, index) {
      var button = th.querySelector("button");
      if (!button) return;
      button.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        var numeric = button.dataset.type === "number";
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = a.cells[index], y = b.cells[index];
          var vx = x.dataset.sort !== undefined ? x.dataset.sort : x.textContent.trim();
          var vy = y.dataset.sort !== undefined ? y.dataset.sort : y.textContent.trim();
          var order = numeric ? parseFloat(vx) - parseFloat(vy) : vx.localeCompare(vy);
          if (order === 0) order = a.cells[0].textContent.localeCompare(b.cells[0].textContent);
          return ascending ? order : -order;
        });
        rows.forEach(function (row) { body.appendChild(row); });
        headers.forEach(function (other) { if (other.hasAttribute("aria-sort")) other.setAttribute("aria-sort", "none"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      });
    });
  });

  // The map: council outlines on a plain background (no tiles), shaded by the number of overlapping bodies.
  var el = document.getElementById("map");
  if (!el || !window.L) return;
  var counts = JSON.parse(document.getElementById("council-counts").textContent);
  function colour(n) {
    return n >= 4 ? "#08519c" : n === 3 ? "#4292c6" : n === 2 ? "#9ecae1" : n === 1 ? "#deebf7" : "#ffffff";
  }
  var map = L.map(el, { zoomSnap: 0.25, attributionControl: true });
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution("Boundaries © Martin Chorley CC BY 4.0; OS data © Crown copyright");
  fetch(el.dataset.boundaries, { credentials: "same-origin" })
    .then(function (r) { return r.json(); })
    .then(function (data) {
      var layer = L.geoJSON(data, {
        style: function (f) {
          var c = counts[f.properties.code];
          return { color: "#425563", weight: 1, fillOpacity: 0.9, fillColor: colour(c ? c.count : 0) };
        },
        onEachFeature: function (f, l) {
          var c = counts[f.properties.code];
          l.bindTooltip(f.properties.name + ": " + (c ? c.count : 0));
        }
      }).addTo(map);
      map.fitBounds(layer.getBounds());
      el.dataset.loaded = "true";
    });
})();
