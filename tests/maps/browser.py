"""Headless Chromium (Debian's `chromium`) for the map tests: offline, console captured."""

from __future__ import annotations

import html as html_text
import json
import re
import shutil
import subprocess
from pathlib import Path

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    # No network at all: every host name fails to resolve; file:// still works.
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--enable-logging=stderr",
    "--v=0",
    "--virtual-time-budget=8000",
]
PROBE = """
<script>
function ffHeat(what) {
  var pixels = 0, alpha = 0;
  document.querySelectorAll('canvas.leaflet-heatmap-layer').forEach(function (c) {
    var d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    for (var i = 3; i < d.length; i += 4) { if (d[i] > 0) { pixels++; alpha += d[i]; } }
  });
  return what === 'alpha' ? alpha : pixels;  // more devices, more opaque heat
}
var ffHeatAt = {};
function ffJapaneseInEnglish() {
  // every visible text in the legend and controls holding Japanese once switched to English
  var b = document.getElementById('ff-lang');
  if (!b) { return null; }
  b.click();
  var site = null, map_ = Object.keys(window).filter(function (k) { return /^map_/.test(k); })
    .map(function (k) { return window[k]; })[0];
  if (map_) {
    map_.eachLayer(function (l) { if (!site && l.getPopup && l.getPopup() && l.getLatLng) { site = l; } });
  }
  if (site) { site.openPopup(); site.openTooltip(); }  // and a site's popup and tooltip
  var flow = window.ffFlows ? window.ffFlows.getLayers()[0] : null;
  if (flow) { flow.openTooltip(); }  // and a flow's
  var found = [], jp = /[\u3040-\u30ff\u3400-\u9fff\uff00-\uffef]/;
  var boxes = '#ff-legend, .leaflet-control-layers, .ff-control, .leaflet-popup-content, .leaflet-tooltip';
  document.querySelectorAll(boxes).forEach(function (box) {
    var walk = document.createTreeWalker(box, NodeFilter.SHOW_TEXT), node;
    while ((node = walk.nextNode())) {
      var el = node.parentElement, option = el.closest('option');
      if (option ? !option.selected : !el.getClientRects().length) { continue; }
      if (jp.test(node.textContent)) { found.push(node.textContent.trim()); }
    }
  });
  b.click();
  if (site) { site.closePopup(); site.closeTooltip(); }
  if (flow) { flow.closeTooltip(); }
  return found;
}
function ffHit(a, b) {
  a = a.getBoundingClientRect(); b = b.getBoundingClientRect();
  return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
}
function ffOverlaps(map_, done) {
  // is the scale bar under a control panel; does the popup of the site nearest the legend open
  // under the legend (after its auto-pan)?
  var legend = document.getElementById('ff-legend'), scale = document.querySelector('.leaflet-control-scale');
  var covers = document.querySelectorAll('.ff-control, .leaflet-control-attribution, #ff-lang');
  var out = {scale: scale ? Array.prototype.some.call(covers,
    function (p) { return ffHit(p, scale); }) : null, popup: null};
  var best = null;
  if (legend) {
    var r = legend.getBoundingClientRect();
    map_.eachLayer(function (l) {
      if (!l.getPopup || !l.getPopup() || !l.getLatLng) { return; }
      var p = map_.latLngToContainerPoint(l.getLatLng());
      var d = Math.abs(p.x - (r.left + r.right) / 2) + Math.abs(p.y - r.bottom);
      if (!best || d < best[0]) { best = [d, l]; }
    });
  }
  if (!best) { done(out); return; }
  var panBy = map_.panBy;  // the auto-pan without its animation, so it is done when measured
  map_.panBy = function (offset, options) {
    return panBy.call(map_, offset, L.extend({}, options, {animate: false}));
  };
  best[1].openPopup();
  setTimeout(function () {
    out.popup = ffHit(document.querySelector('.leaflet-popup-content-wrapper'), legend);
    best[1].closePopup();
    map_.panBy = panBy;
    done(out);
  }, 1000);
}
function ffBusiest(map_) {
  // the weekday heat pixel [r, g, b, a] under the busiest site-hour (weight 1.0), per zoom
  if (!window.ffHeatData) { return null; }
  var hours = window.ffHeatData.weekday.hours, best = null;
  hours.forEach(function (points, h) { points.forEach(function (p) {
    if (!best || p[2] > best[1][2]) { best = [h, p]; } }); });
  ffShow(best[0]);
  var out = {hour: best[0]};
  [11, 12, 14, 16].forEach(function (zoom) {
    map_.setView([best[1][0], best[1][1]], zoom, {animate: false});
    var layer = window.ffLayers.weekday;
    layer._reset(); layer._redraw();
    map_.fire('zoomend');  // the layer control checks which layers it offers at this zoom
    var at = map_.latLngToContainerPoint([best[1][0], best[1][1]]);
    out[zoom] = Array.prototype.slice.call(
      layer._canvas.getContext('2d').getImageData(Math.round(at.x), Math.round(at.y), 1, 1).data);
    out['disabled_' + zoom] = document.querySelectorAll('.leaflet-control-layers input:disabled').length;
  });
  return out;
}
function ffAt(hours, done) {
  if (!window.ffShow || !hours.length) { done(); return; }
  ffShow(hours[0]);
  // draw now rather than on the next animation frame, which a loaded machine may delay
  for (var key in window.ffLayers) {
    var layer = window.ffLayers[key];
    if (layer._map) { layer._redraw(); }
  }
  ffHeatAt[hours[0]] = ffHeat('alpha');
  ffAt(hours.slice(1), done);
}
window.addEventListener('load', function () { setTimeout(function () {
  var map_ = Object.keys(window).filter(function (k) { return /^map_/.test(k); })
    .map(function (k) { return window[k]; })[0];
  var heat = ffHeat('pixels');
  ffAt([3, 8], function () { ffOverlaps(map_, function (overlaps) {
  var heatAt3 = ffHeatAt[3] === undefined ? null : ffHeatAt[3];
  var heatAt8 = ffHeatAt[8] === undefined ? null : ffHeatAt[8];
  var probe = document.createElement('pre');
  probe.id = 'ff-probe';
  probe.textContent = JSON.stringify({
    heat_pixels: heat, heat_pixels_3h: heatAt3, heat_pixels_8h: heatAt8,
    flow_lines: document.querySelectorAll('path.ff-flow').length,
    flow_lines_shown: Array.prototype.filter.call(document.querySelectorAll('path.ff-flow'),
      function (p) { return p.style.display !== 'none'; }).length,
    markers: document.querySelectorAll('path.leaflet-interactive').length,
    base_city: document.querySelectorAll('.leaflet-ffBase-pane path.ff-base-city').length,
    base_stations: document.querySelectorAll('.leaflet-ffBase-pane path.ff-base-station').length,
    base_paths: ['city', 'districts', 'coast', 'rivers', 'roads', 'railways'].reduce(function (out, kind) {
      out[kind] = document.querySelectorAll('.leaflet-ffBase-pane path.ff-base-' + kind).length;
      return out; }, {}),
    base_control: Array.prototype.map.call(
      document.querySelectorAll('.ff-base-control .leaflet-control-layers-overlays label [lang=ja]'),
      function (t) { return t.textContent; }),
    district_labels: Array.prototype.map.call(document.querySelectorAll('.ff-base-label'),
      function (t) { return t.textContent; }),
    flow_shapes: window.ffFlows ? window.ffFlows.getLayers().map(function (layer) {
      // [width at the origin, width just before the arrow head, tip is the destination] in pixels
      var ring = layer.getLatLngs()[0].map(function (p) { return map_.latLngToLayerPoint(p); });
      var k = (ring.length - 1) / 2, tip = ring[k];  // one side, the head's 3 points, the other side
      return [ring[0].distanceTo(ring[ring.length - 1]), ring[k - 2].distanceTo(ring[k + 2]),
              tip.distanceTo(map_.latLngToLayerPoint(layer.ffEnds[1])) < 1];
    }) : null,
    flow_lines_300: (function () {
      var top = document.getElementById('ff-top');
      if (!top || !top.querySelector('option[value="300"]')) { return null; }
      top.value = '300'; window.ffFilter();
      var shown = Array.prototype.filter.call(document.querySelectorAll('path.ff-flow'),
        function (p) { return p.style.display !== 'none'; }).length;
      top.value = '30'; window.ffFilter();
      return shown;
    })(),
    flow_classes: (function () {
      // per top-N choice: the distinct colours of the flows shown and the legend's class ranges
      var top = document.getElementById('ff-top');
      if (!top) { return null; }
      var out = {};
      Array.prototype.forEach.call(top.options, function (o) {
        top.value = o.value; window.ffFilter();
        var fills = {};
        document.querySelectorAll('path.ff-flow').forEach(function (p) {
          if (p.style.display !== 'none') { fills[p.getAttribute('fill')] = 1; }
        });
        out[o.value] = {colours: Object.keys(fills).length, legend: Array.prototype.map.call(
          document.querySelectorAll('#ff-classes tr'), function (r) { return r.innerText.trim(); })};
      });
      top.value = '30'; window.ffFilter();
      return out;
    })(),
    station_labels: Array.prototype.map.call(document.querySelectorAll('.ff-station-label'),
      function (t) { return t.textContent; }),
    base_under_data: (function () {
      var base = document.querySelector('.leaflet-ffBase-pane');
      var data = document.querySelector('.leaflet-overlay-pane');
      var z = function (el) { return parseInt(getComputedStyle(el).zIndex, 10); };
      return !!(base && data && z(base) < z(data));
    })(),
    legend: (document.getElementById('ff-legend') || {}).innerText || null,
    legend_en: (function () {
      var b = document.getElementById('ff-lang');
      if (!b || !document.getElementById('ff-legend')) { return null; }
      b.click(); var text = document.getElementById('ff-legend').innerText; b.click(); return text;
    })(),
    site_filter: (function () {
      var select = document.getElementById('ff-site');
      if (!select || select.options.length < 2) { return null; }
      select.value = select.options[1].value; window.ffFilter();
      var shown = Array.prototype.filter.call(document.querySelectorAll('path.ff-flow'),
        function (p) { return p.style.display !== 'none'; });
      var fromSite = shown.filter(function (p) {
        return p.getAttribute('class').split(' ').indexOf('ff-o-' + select.value) >= 0; }).length;
      select.value = ''; window.ffFilter();
      return {shown: shown.length, from_site: fromSite};
    })(),
    leaflet: typeof L !== 'undefined' ? L.version : null,
    pwned: window.ffPwned === 1,
    change: ['up', 'down', 'hidden'].reduce(function (out, kind) {
      out[kind] = document.querySelectorAll('path.ff-change-' + kind).length; return out; }, {}),
    attribution: (document.querySelector('.leaflet-control-attribution') || {}).innerText || null,
    overlaps: overlaps,
    lang_button: (function () {
      // what the language switch offers: the other language, in that language
      var b = document.getElementById('ff-lang');
      if (!b) { return null; }
      var before = b.innerText.trim(); b.click(); var after = b.innerText.trim(); b.click();
      return [before, after];
    })(),
    japanese_in_english: ffJapaneseInEnglish(),
    heat_busiest: ffBusiest(map_),
    resources: performance.getEntriesByType('resource').map(function (r) { return r.name; })
  });
  document.body.appendChild(probe);
  }); });
}, 1500); });
</script>
"""


def probe_map(html: Path, workdir: Path, screenshot: Path | None = None, size: str = "1200,900") -> dict:
    """Open a map with no network; return what the page drew and the console errors."""
    page = html.with_name(f"probe-{html.name}")
    page.write_text(html.read_text(encoding="utf-8").replace("</html>", PROBE + "</html>"), encoding="utf-8")
    profile = ["--user-data-dir=" + str(workdir / "chromium-profile")]
    run = subprocess.run(
        [CHROMIUM, *FLAGS, *profile, f"--window-size={size}", "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
    )
    page.unlink()
    found = re.search(r'<pre id="ff-probe">(.*?)</pre>', run.stdout, re.S)
    result = json.loads(html_text.unescape(found.group(1))) if found else {}
    result["console"] = [line for line in run.stderr.splitlines() if ":CONSOLE" in line]
    if screenshot:
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                CHROMIUM,
                *FLAGS,
                *profile,
                f"--window-size={size}",
                f"--screenshot={screenshot}",
                html.as_uri(),
            ],
            capture_output=True,
            timeout=120,
            check=True,
        )
    return result
