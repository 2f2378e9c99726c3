// Council outlines on a plain background (no tiles), shaded from the JSON named by the map's data-source:
// {"mode": "count" | "share" | "highlight", "values": {council: number}, "names": {council: name or label},
//  "outlines": {outline code: council measured}, "fit": zoom to the shaded councils, "unit": [one, many]}.
(function () {
  "use strict";
  var el = document.getElementById("map");
  if (!el || !window.L) return;
  var data = JSON.parse(document.getElementById(el.dataset.source).textContent);
  var COLOURS = ["#deebf7", "#9ecae1", "#4292c6", "#08519c"];

  function measured(code) {
    return (data.outlines && data.outlines[code]) || code;
  }
  function colour(v) {
    if (v === undefined) return null;
    if (data.mode === "count") return COLOURS[Math.min(v, 4) - 1];
    if (data.mode === "share") return COLOURS[v >= 0.75 ? 3 : v >= 0.5 ? 2 : v >= 0.25 ? 1 : 0];
    return "#005eb8";
  }
  function label(code, fallback) {
    var name = data.names[code] || fallback;
    var v = data.values[code];
    if (v === undefined) return name;
    if (data.mode === "count") return name + ": " + v + " " + (v === 1 ? data.unit[0] : data.unit[1]);
    return name;
  }

  var map = L.map(el, { zoomSnap: 0.25 });
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution("Source: ONS, OGL v3.0. Contains OS data © Crown copyright and database right 2023");
  fetch(el.dataset.boundaries, { credentials: "same-origin" })
    .then(function (r) { return r.json(); })
    .then(function (geo) {
      var shaded = [];
      var layer = L.geoJSON(geo, {
        style: function (f) {
          var c = colour(data.values[measured(f.properties.code)]);
          return { color: "#425563", weight: c ? 1.2 : 0.6, fillOpacity: c ? 0.85 : 0.1, fillColor: c || "#ffffff" };
        },
        onEachFeature: function (f, l) {
          var code = measured(f.properties.code);
          l.bindTooltip(label(code, f.properties.name));
          if (data.values[code] !== undefined) shaded.push(l);
        }
      }).addTo(map);
      map.fitBounds(data.fit && shaded.length ? L.featureGroup(shaded).getBounds().pad(0.15) : layer.getBounds());
      el.dataset.loaded = "true";
      el.dataset.shaded = String(shaded.length);
    });
})();
