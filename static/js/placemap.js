/* Small maps of one place, both optional enhancements:
   - [data-place-picker] (demands/_places.html): "use my location" and a pin on the district's map fill the hidden
     lat/lng fields and, through /places/locate/, the township, village and grid lists. Leaflet and the grids'
     outlines load only when the resident first opens the map, so the form stays light on a cheap phone; without
     JavaScript the picker stays hidden and the lists do the job.
   - [data-point-map] (demands/detail.html): the resident's point and its grid's outline, for the staff.
   Without a tile server (MAP_TILE_URL empty) the outlines draw on a plain background. */
(function () {
  "use strict";

  var leaflet = null;

  function loadLeaflet(box) {
    // Once per page; the stylesheet too, so that sizes are right before the first map is drawn.
    if (typeof window.L !== "undefined") return Promise.resolve();
    if (!leaflet) {
      leaflet = Promise.all([
        load("link", { rel: "stylesheet", href: box.getAttribute("data-leaflet-css") }),
        load("script", { src: box.getAttribute("data-leaflet-js") })
      ]);
    }
    return leaflet;
  }

  function load(tag, attrs) {
    return new Promise(function (resolve, reject) {
      var el = document.createElement(tag);
      Object.keys(attrs).forEach(function (k) { el.setAttribute(k, attrs[k]); });
      el.onload = resolve;
      el.onerror = reject;
      document.head.appendChild(el);
    });
  }

  function baseMap(el, box) {
    var tiles = box.getAttribute("data-tile-url");
    var map = L.map(el, { preferCanvas: true, zoomSnap: 0.5, attributionControl: !!tiles });
    if (tiles) {
      L.tileLayer(tiles, { attribution: box.getAttribute("data-tile-attribution") || "", maxZoom: 19 }).addTo(map);
    }
    return map;
  }

  function pinIcon(box) {
    // Named one by one: under hashed static names Leaflet cannot guess its images' folder.
    return L.icon({
      iconUrl: box.getAttribute("data-marker-icon"), iconRetinaUrl: box.getAttribute("data-marker-icon-2x"),
      shadowUrl: box.getAttribute("data-marker-shadow"),
      iconSize: [25, 41], iconAnchor: [12, 41], shadowSize: [41, 41]
    });
  }

  function outlines(data) {
    // Not interactive: a tap anywhere, over a grid or not, is a tap on the map.
    return L.geoJSON(data, {
      interactive: false,
      style: { color: "#1f5fa8", weight: 1, fillColor: "#1f5fa8", fillOpacity: 0.04 },
      pointToLayer: function (feature, latlng) { return L.circleMarker(latlng, { radius: 4, interactive: false }); }
    });
  }

  function picker(box) {
    function field(name) { return document.querySelector(box.getAttribute("data-" + name)); }
    var lat = field("lat"), lng = field("lng");
    var township = field("township"), community = field("community"), grid = field("grid");
    var status = box.querySelector("[data-place-status]");
    var details = box.querySelector("details");
    var mapEl = box.querySelector(".place-map");
    var here = box.querySelector("[data-place-here]");
    var map = null, marker = null, asked = 0;
    if (!lat || !lng || !township || !community || !grid) return;
    box.hidden = false;

    function say(text, isError) {
      status.textContent = text || "";
      status.classList.toggle("error", !!isError);
    }

    function fill(select, items, chosen) {
      // The first option is the empty choice ("Choose (optional)"); the rest are the place's siblings.
      var empty = select.options.length ? select.options[0] : new Option("", "");
      select.replaceChildren(new Option(empty.text, ""));
      items.forEach(function (item) { select.add(new Option(item.name, String(item.id))); });
      select.value = String(chosen);
    }

    function showPin(at) {
      if (!map) return;
      if (marker) {
        marker.setLatLng(at);
      } else {
        marker = L.marker(at, { draggable: true, icon: pinIcon(box), keyboard: false }).addTo(map);
        marker.on("dragend", function () { var p = marker.getLatLng(); place(p.lat, p.lng); });
      }
    }

    function forget() {
      lat.value = "";
      lng.value = "";
      if (marker) { marker.remove(); marker = null; }
    }

    function place(y, x) {
      lat.value = y.toFixed(6);
      lng.value = x.toFixed(6);
      showPin([y, x]);
      say(box.getAttribute("data-locating"));
      var mine = ++asked;  // a later pin wins over an earlier answer still on its way
      var url = box.getAttribute("data-locate-url") + "?lat=" + encodeURIComponent(lat.value) +
        "&lng=" + encodeURIComponent(lng.value);
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) {
          return response.json().then(function (body) { return { ok: response.ok, body: body }; });
        })
        .then(function (answer) {
          if (mine !== asked) return;
          var b = answer.body;
          if (!answer.ok) {
            forget();  // the server would refuse it: the form keeps the lists only
            say(b.detail || box.getAttribute("data-failed"), true);
            return;
          }
          township.value = String(b.township.id);
          fill(community, b.communities, b.community.id);
          fill(grid, b.grids, b.grid.id);
          // The similar-demands hint listens to the grid list; the township and village lists would reload theirs.
          grid.dispatchEvent(new Event("change", { bubbles: true }));
          say(box.getAttribute("data-found") + " " + [b.township.name, b.community.name, b.grid.name].join(" "));
        })
        .catch(function () { if (mine === asked) say(box.getAttribute("data-failed"), true); });
    }

    function openMap() {
      if (map) { map.invalidateSize(); return; }
      say(box.getAttribute("data-loading"));
      loadLeaflet(box)
        .then(function () {
          return fetch(box.getAttribute("data-outlines-url"), { headers: { Accept: "application/json" } });
        })
        .then(function (response) { return response.json(); })
        .then(function (data) {
          if (map) return;
          map = baseMap(mapEl, box);
          var layer = outlines(data).addTo(map);
          if (data.features.length) map.fitBounds(layer.getBounds(), { padding: [6, 6] });
          else map.setView([31.87, 106.75], 10);
          map.on("click", function (event) { place(event.latlng.lat, event.latlng.lng); });
          if (lat.value && lng.value) {
            // Back from a failed submit, or taken from the device before the map was opened.
            showPin([parseFloat(lat.value), parseFloat(lng.value)]);
            map.setView([parseFloat(lat.value), parseFloat(lng.value)], Math.max(map.getZoom(), 14));
          }
          say("");
        })
        .catch(function () { say(box.getAttribute("data-failed"), true); });
    }

    details.addEventListener("toggle", function () { if (details.open) openMap(); });

    box.querySelector("[data-place-clear]").addEventListener("click", function () {
      forget();
      say(box.getAttribute("data-cleared"));
    });

    if (navigator.geolocation && window.isSecureContext !== false) {
      here.hidden = false;
      here.addEventListener("click", function () {
        say(box.getAttribute("data-locating"));
        navigator.geolocation.getCurrentPosition(function (position) {
          var y = position.coords.latitude, x = position.coords.longitude;
          place(y, x);
          if (map) map.setView([y, x], Math.max(map.getZoom(), 15));
        }, function () {
          say(box.getAttribute("data-no-position"), true);
        }, { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
      });
    }
  }

  function pointMap(box) {
    var data = document.getElementById("point-map-outline");
    var at = [parseFloat(box.getAttribute("data-point-lat")), parseFloat(box.getAttribute("data-point-lng"))];
    if (isNaN(at[0]) || isNaN(at[1])) return;
    loadLeaflet(box).then(function () {
      box.hidden = false;
      var map = baseMap(box.querySelector(".point-map"), box);
      var outline = data ? JSON.parse(data.textContent) : null;
      L.marker(at, { icon: pinIcon(box), keyboard: false, interactive: false }).addTo(map);
      if (outline) {
        var bounds = outlines(outline).addTo(map).getBounds().extend(at);
        map.fitBounds(bounds, { padding: [12, 12], maxZoom: 17 });
      } else {
        map.setView(at, 16);
      }
    });
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-place-picker]"), picker);
    Array.prototype.forEach.call(document.querySelectorAll("[data-point-map]"), pointMap);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
