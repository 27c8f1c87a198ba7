/* Map of grids (supervise/insight): grids coloured by load or overdue share, outlined by township.
   Data: the GeoJSON in #insight-map-data (supervise/maps.py). Without a tile server (MAP_TILE_URL empty) the
   polygons, or centroid circles, are drawn on a plain background. Text comes from #insight-map-labels. */
(function () {
  "use strict";
  var wrap = document.getElementById("insight-map-wrap");
  var el = document.getElementById("insight-map");
  var dataEl = document.getElementById("insight-map-data");
  if (!wrap || !el || !dataEl || typeof L === "undefined") return;

  var data = JSON.parse(dataEl.textContent);
  var labels = JSON.parse(document.getElementById("insight-map-labels").textContent);
  var measure = el.dataset.measure || "open";
  var COLOURS = ["#fdd49e", "#fdbb84", "#fc8d59", "#e34a33", "#b30000"];
  var EMPTY = "#f2f2f2";

  wrap.hidden = false;
  var map = L.map(el, { preferCanvas: true, zoomSnap: 0.5, attributionControl: !!el.dataset.tileUrl });
  if (el.dataset.tileUrl) {
    L.tileLayer(el.dataset.tileUrl, { attribution: el.dataset.tileAttribution || "", maxZoom: 18 }).addTo(map);
  }

  function townshipColour(i) {
    return "hsl(" + Math.round((i * 137.508) % 360) + ", 65%, 32%)";
  }

  function classOf(value, breaks) {
    // Index of the highest break the value reaches; -1 below the first.
    var k = -1;
    for (var i = 0; i < breaks.length; i++) if (value >= breaks[i]) k = i;
    return k;
  }

  function fillOf(p) {
    if (measure === "overdue_share") {
      if (p.overdue_share === null) return EMPTY;
      if (p.overdue_share === 0) return COLOURS[0];
      var b = data.legend.overdue_share;
      return COLOURS[Math.min(COLOURS.length - 1, classOf(p.overdue_share, b) + 2)] || COLOURS[1];
    }
    var v = p[measure];
    if (!v) return EMPTY;
    var breaks = data.legend[measure];
    return COLOURS[Math.max(0, classOf(v, breaks)) + (COLOURS.length - breaks.length)];
  }

  function style(feature) {
    var p = feature.properties;
    return { color: townshipColour(p.township_index), weight: 1.2, fillColor: fillOf(p), fillOpacity: 0.85 };
  }

  function percent(x) {
    return Math.round(x * 100) + "%";
  }

  function node(tag, text, attrs) {
    var n = document.createElement(tag);
    if (text !== undefined && text !== null) n.textContent = text;
    for (var k in attrs || {}) n.setAttribute(k, attrs[k]);
    return n;
  }

  function popup(p) {
    var box = node("div", null, { "class": "grid-popup" });
    box.appendChild(node("strong", p.name));
    box.appendChild(node("div", p.community + " · " + p.township + " · " + p.code, { "class": "muted" }));
    var dl = node("dl");
    [["open", p.open], ["received", p.received],
     ["overdue", p.overdue],
     ["overdue_share", p.overdue_share === null ? labels.no_open : percent(p.overdue_share)]].forEach(function (r) {
      dl.appendChild(node("dt", labels[r[0]]));
      dl.appendChild(node("dd", String(r[1])));
    });
    box.appendChild(dl);
    var links = node("p");
    var code = encodeURIComponent(p.code);
    links.appendChild(node("a", labels.list_open, { href: data.links.open + code }));
    links.appendChild(document.createTextNode(" · "));
    links.appendChild(node("a", labels.list_received, { href: data.links.received + code }));
    box.appendChild(links);
    return box;
  }

  var layer = L.geoJSON(data, {
    style: style,
    pointToLayer: function (feature, latlng) {
      return L.circleMarker(latlng, { radius: 9 });
    },
    onEachFeature: function (feature, lyr) {
      lyr.bindPopup(function () { return popup(feature.properties); });
      // Leaflet writes a string into innerHTML: names typed by administrators go in as text nodes only.
      lyr.bindTooltip(function () { return node("span", feature.properties.name); }, { sticky: true });
    }
  }).addTo(map);

  // Township names at the middle of their grids' centroids: the places read without a base map.
  var towns = {};
  data.features.forEach(function (f) {
    var p = f.properties, t = towns[p.township] || (towns[p.township] = { lat: 0, lng: 0, n: 0, i: p.township_index });
    t.lat += p.lat; t.lng += p.lng; t.n += 1;
  });
  var names = L.layerGroup();
  Object.keys(towns).forEach(function (name) {
    var t = towns[name];
    names.addLayer(L.tooltip({ permanent: true, direction: "center", className: "township-label", interactive: false })
      .setLatLng([t.lat / t.n, t.lng / t.n]).setContent(node("span", name)));
  });
  if (Object.keys(towns).length > 1) names.addTo(map);

  function fit() {
    map.invalidateSize();
    if (data.features.length) map.fitBounds(layer.getBounds(), { padding: [8, 8] });
    else map.setView([31.87, 106.75], 10);
  }
  fit();
  window.addEventListener("load", fit);

  var legend = L.control({ position: "bottomright" });
  legend.onAdd = function () {
    this._div = node("div", null, { "class": "map-legend" });
    this.update();
    return this._div;
  };
  legend.update = function () {
    var div = this._div;
    div.textContent = "";
    div.appendChild(node("strong", labels[measure]));
    var rows = [];
    if (measure === "overdue_share") {
      var b = data.legend.overdue_share;
      rows.push([EMPTY, labels.no_open], [COLOURS[0], "0%"], [COLOURS[1], "< " + percent(b[0])]);
      for (var i = 1; i < b.length; i++) rows.push([COLOURS[i + 1], percent(b[i - 1]) + " – " + percent(b[i])]);
      rows.push([COLOURS[COLOURS.length - 1], "≥ " + percent(b[b.length - 1])]);
    } else {
      var breaks = data.legend[measure], offset = COLOURS.length - breaks.length;
      rows.push([EMPTY, "0"]);
      for (var j = 0; j < breaks.length; j++) {
        var hi = j + 1 < breaks.length ? breaks[j + 1] - 1 : null;
        var text = hi === null ? "≥ " + breaks[j] : (hi > breaks[j] ? breaks[j] + " – " + hi : String(breaks[j]));
        rows.push([COLOURS[j + offset], text]);
      }
    }
    var ul = node("ul");
    rows.forEach(function (r) {
      var li = node("li");
      var sw = node("span", null, { "class": "swatch", "aria-hidden": "true" });
      sw.style.background = r[0];
      li.appendChild(sw);
      li.appendChild(document.createTextNode(r[1]));
      ul.appendChild(li);
    });
    div.appendChild(ul);
    div.appendChild(node("p", labels.outline, { "class": "muted small" }));
  };
  legend.addTo(map);

  // The measure switch recolours in place; the form still reloads the page (and the table) on "Show".
  document.querySelectorAll("input[name=measure]").forEach(function (input) {
    input.addEventListener("change", function () {
      if (!input.checked) return;
      measure = input.value;
      layer.setStyle(style);
      legend.update();
      if (window.history && window.history.replaceState) {
        var url = new URL(window.location.href);
        url.searchParams.set("measure", measure);
        window.history.replaceState(null, "", url.toString());
      }
    });
  });
})();
