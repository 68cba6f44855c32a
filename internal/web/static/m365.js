// Microsoft 365 → Analytics charts. The data comes from
// <script type="application/json" id="m365-chart-data">; the page works
// without this file (the tables hold every figure).
(function () {
  "use strict";

  var palette = { active: "#1d7348", inactive: "#b42318", assigned: "#1a5fb4", unassigned: "#c64600", purchased: "#5b6770",
    exchange: "#1a5fb4", onedrive: "#0f7c8c", sharepoint: "#1d7348", teams: "#8f3fb4" };

  function data() {
    var el = document.getElementById("m365-chart-data");
    if (!el) return null;
    try {
      return JSON.parse(el.textContent);
    } catch (e) {
      return null;
    }
  }

  var base = { animation: false, responsive: true, maintainAspectRatio: false,
    plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } } };

  function options(extra) {
    var o = JSON.parse(JSON.stringify(base));
    Object.keys(extra || {}).forEach(function (k) { o[k] = extra[k]; });
    return o;
  }

  function stacked(id, labels, series) {
    var canvas = document.getElementById(id);
    if (!canvas || !labels || !labels.length) return;
    new window.Chart(canvas, {
      type: "bar",
      data: { labels: labels, datasets: series.map(function (s) {
        return { label: s.label, data: s.data || [], backgroundColor: palette[s.key], stack: "one" };
      }) },
      options: options({ scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } })
    });
    canvas.setAttribute("data-drawn", "true");
  }

  function trends(t) {
    var canvas = document.getElementById("m365-trends-chart");
    if (!canvas || !t || !t.labels || !t.labels.length) return;
    var sets = [
      { label: "Licences purchased", data: t.purchased, borderColor: palette.purchased, borderDash: [6, 3] },
      { label: "Licences assigned", data: t.assigned, borderColor: palette.assigned }
    ];
    ["exchange", "onedrive", "sharepoint", "teams"].forEach(function (s) {
      sets.push({ label: "Active " + (t.names[s] || s), data: t.active[s] || [], borderColor: palette[s] });
    });
    sets.forEach(function (s) { s.backgroundColor = s.borderColor; s.spanGaps = true; s.pointRadius = 3; });
    new window.Chart(canvas, { type: "line", data: { labels: t.labels, datasets: sets },
      options: options({ scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }) });
    canvas.setAttribute("data-drawn", "true");
  }

  function draw() {
    var d = data();
    if (!window.Chart || !d) return;
    stacked("m365-licences-chart", d.licences.labels, [
      { key: "assigned", label: "Assigned", data: d.licences.assigned },
      { key: "unassigned", label: "Unassigned", data: d.licences.unassigned }]);
    stacked("m365-services-chart", d.services.labels, [
      { key: "active", label: "Active", data: d.services.active },
      { key: "inactive", label: "Inactive", data: d.services.inactive }]);
    trends(d.trends);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
