// The Spend explorer's charts and client-side table sorting. The data
// comes from <script type="application/json" id="spend-chart-data">; the
// page works without this file (the table holds every figure and its
// headings sort through links).
(function () {
  "use strict";

  var palette = ["#1d7348", "#1a5fb4", "#c64600", "#8f3fb4", "#b8860b", "#0f7c8c", "#b42318",
    "#4d6b2f", "#6b4f33", "#5b6770", "#d16d9e", "#3f9b6a"];

  function chartData() {
    var el = document.getElementById("spend-chart-data");
    if (!el) return [];
    try {
      return JSON.parse(el.textContent) || [];
    } catch (e) {
      return [];
    }
  }

  // Amounts arrive as exact decimal strings; the chart only needs to
  // draw them.
  function numbers(values) {
    return values.map(function (v) { return Number(v); });
  }

  function money(currency) {
    var fmt;
    try {
      fmt = new Intl.NumberFormat(undefined, { style: "currency", currency: currency });
    } catch (e) {
      fmt = new Intl.NumberFormat();
    }
    return function (v) { return fmt.format(v); };
  }

  function drawBars(canvas, block) {
    var fmt = money(block.currency);
    return new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: block.labels,
        datasets: block.series.map(function (s, i) {
          return { label: s.label, data: numbers(s.values), backgroundColor: palette[i % palette.length], stack: "cost" };
        })
      },
      options: {
        animation: false, responsive: true, maintainAspectRatio: false,
        scales: { x: { stacked: true }, y: { stacked: true, ticks: { callback: fmt } } },
        plugins: {
          legend: { position: "bottom", labels: { boxWidth: 12 } },
          tooltip: { callbacks: { label: function (c) { return c.dataset.label + ": " + fmt(c.parsed.y); } } }
        }
      }
    });
  }

  function drawBreakdown(canvas, block) {
    var fmt = money(block.currency);
    return new window.Chart(canvas, {
      type: "doughnut",
      data: {
        labels: block.breakdown.map(function (s) { return s.label; }),
        datasets: [{
          data: block.breakdown.map(function (s) { return Math.max(0, Number(s.values[0])); }),
          backgroundColor: block.breakdown.map(function (s, i) { return palette[i % palette.length]; })
        }]
      },
      options: {
        animation: false, responsive: true, maintainAspectRatio: false,
        plugins: {
          legend: { position: "right", labels: { boxWidth: 12 } },
          tooltip: { callbacks: { label: function (c) { return c.label + ": " + fmt(c.parsed); } } }
        }
      }
    });
  }

  function drawCharts() {
    if (!window.Chart) return;
    chartData().forEach(function (block, i) {
      var bars = document.getElementById("spend-chart-" + i);
      var pie = document.getElementById("spend-breakdown-" + i);
      if (bars) { drawBars(bars, block); bars.setAttribute("data-drawn", "true"); }
      if (pie) { drawBreakdown(pie, block); pie.setAttribute("data-drawn", "true"); }
    });
  }

  // Sorting: a heading link sorts the rows in place (by the cells'
  // data-sort-value) and puts the sorted state into the address, the same
  // address the link would load without JavaScript.
  function sortTable(th) {
    var table = th.closest("table");
    var col = Array.prototype.indexOf.call(th.parentNode.children, th);
    var numeric = th.getAttribute("data-sort-key") !== "label";
    var asc = th.getAttribute("aria-sort") === "descending" ||
      (th.getAttribute("aria-sort") === "none" && !numeric);
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows).filter(function (r) { return r.cells.length > col; });
    rows.sort(function (a, b) {
      var x = a.cells[col].getAttribute("data-sort-value") || "";
      var y = b.cells[col].getAttribute("data-sort-value") || "";
      var c = numeric ? Number(x) - Number(y) : x.localeCompare(y);
      return asc ? c : -c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
    table.querySelectorAll("th[data-sort-key]").forEach(function (h) { h.setAttribute("aria-sort", "none"); });
    th.setAttribute("aria-sort", asc ? "ascending" : "descending");
  }

  document.addEventListener("click", function (e) {
    var link = e.target.closest && e.target.closest("table[data-sortable] th[data-sort-key] a");
    if (!link || e.ctrlKey || e.metaKey || e.shiftKey) return;
    e.preventDefault();
    var th = link.closest("th");
    sortTable(th);
    var url = new URL(link.href);
    url.hash = "";
    window.history.replaceState(null, "", url.pathname + url.search);
    // The next click on this heading flips the direction.
    var next = new URL(link.href);
    next.searchParams.set("dir", th.getAttribute("aria-sort") === "ascending" ? "desc" : "asc");
    link.href = next.toString();
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawCharts);
  } else {
    drawCharts();
  }
})();
