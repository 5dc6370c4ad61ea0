// Charts of the analytics page. The numbers come from the JSON data element the server wrote
// (json_script), never from inline scripts; every chart also has its text summary and table.
(function () {
  "use strict";
  function draw() {
    var source = document.getElementById("analytics-data");
    if (!source || !window.Chart) return;
    var data = JSON.parse(source.textContent);
    var accent = "#2f5bd3", danger = "#c0392b", muted = "#8a94a6";
    var common = {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      plugins: { legend: { position: "bottom" } },
    };
    function canvas(name) { return document.querySelector('canvas[data-chart="' + name + '"]'); }
    function make(name, config) {
      var element = canvas(name);
      if (!element) return;
      config.options = Object.assign({}, common, config.options || {});
      element.chart = new window.Chart(element, config);
    }
    make("bookings", {
      type: "line",
      data: { labels: data.labels, datasets: [
        { label: "Bookings made", data: data.created, borderColor: accent, backgroundColor: accent, tension: 0.2 },
      ] },
      options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
    });
    make("changes", {
      type: "bar",
      data: { labels: data.labels, datasets: [
        { label: "Reschedules", data: data.rescheduled, backgroundColor: accent },
        { label: "Cancellations", data: data.cancelled, backgroundColor: danger },
      ] },
      options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
    });
    make("lead", {
      type: "bar",
      data: { labels: data.lead_labels, datasets: [
        { label: "Bookings", data: data.lead_counts, backgroundColor: accent },
      ] },
      options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
    });
    make("conversion", {
      type: "bar",
      data: { labels: data.labels, datasets: [
        { label: "Page views", data: data.views, backgroundColor: muted },
        { label: "Bookings made", data: data.created, backgroundColor: accent },
      ] },
      options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
    });
    var cells = [], highest = 0;
    data.heatmap.forEach(function (hours, weekday) {
      hours.forEach(function (count, hour) {
        highest = Math.max(highest, count);
        cells.push({ x: hour, y: data.weekdays[weekday], v: count });
      });
    });
    if (!window.Chart.registry.controllers.get("matrix")) return;
    make("heatmap", {
      type: "matrix",
      data: { datasets: [{
        label: "Meetings",
        data: cells,
        backgroundColor: function (context) {
          var value = context.raw ? context.raw.v : 0;
          var share = highest ? value / highest : 0;
          return "rgba(47, 91, 211, " + (0.06 + 0.94 * share).toFixed(3) + ")";
        },
        width: function (context) { var area = context.chart.chartArea; return area ? area.width / 24 - 2 : 10; },
        height: function (context) { var area = context.chart.chartArea; return area ? area.height / 7 - 2 : 10; },
      }] },
      options: {
        plugins: {
          legend: { display: false },
          tooltip: { callbacks: {
            title: function () { return ""; },
            label: function (context) {
              var raw = context.raw;
              return raw.y + " " + String(raw.x).padStart(2, "0") + ":00 — " + raw.v + " meetings";
            },
          } },
        },
        scales: {
          x: { type: "linear", min: -0.5, max: 23.5, offset: false, ticks: { stepSize: 1, callback: function (v) { return String(v).padStart(2, "0"); } }, grid: { display: false } },
          y: { type: "category", labels: data.weekdays, offset: true, grid: { display: false } },
        },
      },
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
