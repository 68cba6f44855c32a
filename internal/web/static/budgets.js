// The budget page's chart: cumulative actual spend, the forecast that
// continues it and the budget amount, per day. Data comes from
// <script type="application/json" id="budget-chart-data">; the summary
// on the page gives the same figures without this file.
(function () {
  "use strict";

  function data() {
    var el = document.getElementById("budget-chart-data");
    if (!el) return null;
    try {
      return JSON.parse(el.textContent);
    } catch (e) {
      return null;
    }
  }

  // Amounts arrive as exact decimal strings; the chart only draws them.
  function numbers(values) {
    return (values || []).map(function (v) { return v === null ? null : Number(v); });
  }

  function draw() {
    var d = data(), canvas = document.getElementById("budget-chart");
    if (!d || !canvas || !window.Chart) return;
    var amount = Number(d.amount);
    new window.Chart(canvas, {
      type: "line",
      data: {
        labels: d.days,
        datasets: [
          { label: "Actual (cumulative)", data: numbers(d.actual), borderColor: "#1d7348", backgroundColor: "#1d7348", pointRadius: 0, spanGaps: false },
          { label: "Forecast", data: numbers(d.forecast), borderColor: "#1a5fb4", borderDash: [6, 4], pointRadius: 0, spanGaps: false },
          { label: "Budget", data: d.days.map(function () { return amount; }), borderColor: "#b42318", pointRadius: 0 }
        ]
      },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        interaction: { mode: "index", intersect: false },
        scales: { y: { beginAtZero: true, title: { display: true, text: d.currency } } }
      }
    });
  }

  // Show only the scope field of the chosen scope kind.
  function scopeFields() {
    var select = document.getElementById("budget-scope");
    if (!select) return;
    function sync() {
      document.querySelectorAll(".scope-field").forEach(function (el) {
        el.hidden = el.getAttribute("data-scope") !== select.value;
      });
    }
    select.addEventListener("change", sync);
    sync();
  }

  function init() {
    draw();
    scopeFields();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
