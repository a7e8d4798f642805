/* Draws the dashboards' charts from <canvas data-chart="ID">, where ID names a
   json_script element holding the chart spec built by dashboards/charts.py.
   Uses the vendored Chart.js; no network. */
(function () {
  "use strict";
  var FONT = '"WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", sans-serif';

  function spec(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function line(s) {
    return {
      type: "line",
      data: {
        labels: s.labels,
        datasets: s.datasets.map(function (d) {
          return { label: d.label, data: d.data, borderColor: d.color, backgroundColor: d.color,
                   pointRadius: 0, borderWidth: 2, tension: 0.2, spanGaps: false };
        })
      },
      options: {
        interaction: { mode: "index", intersect: false },
        scales: { y: { beginAtZero: true, ticks: { precision: 0 }, title: { display: !!s.yTitle, text: s.yTitle } },
                  x: { ticks: { maxTicksLimit: 12 } } }
      }
    };
  }

  function hbar(s) {
    var d = s.datasets[0];
    var cfg = {
      type: "bar",
      data: { labels: s.labels, datasets: [{ label: d.label, data: d.data, backgroundColor: d.colors, maxBarThickness: 22, minBarLength: 3 }] },
      options: { indexAxis: "y",
                 scales: { x: { min: 0, max: s.max }, y: { ticks: { autoSkip: false } } },
                 plugins: { legend: { display: false } } },
      plugins: []
    };
    if (s.threshold !== undefined) {
      cfg.plugins.push({
        id: "threshold",
        afterDatasetsDraw: function (chart) {
          var x = chart.scales.x.getPixelForValue(s.threshold), a = chart.chartArea, ctx = chart.ctx;
          ctx.save();
          ctx.strokeStyle = "#d97706"; ctx.setLineDash([6, 4]); ctx.lineWidth = 2;
          ctx.beginPath(); ctx.moveTo(x, a.top); ctx.lineTo(x, a.bottom); ctx.stroke();
          ctx.setLineDash([]); ctx.font = "12px " + FONT;
          var text = s.thresholdLabel + " " + s.threshold + "%", w = ctx.measureText(text).width;
          var tx = Math.min(x + 4, a.right - w - 6), ty = a.bottom - 8;
          ctx.fillStyle = "rgba(255,255,255,0.9)"; ctx.fillRect(tx - 3, ty - 13, w + 6, 18);
          ctx.fillStyle = "#92400e"; ctx.fillText(text, tx, ty);
          ctx.restore();
        }
      });
    }
    return cfg;
  }

  function combo(s) {
    return {
      type: "bar",
      data: {
        labels: s.labels,
        datasets: s.datasets.map(function (d) {
          return { type: d.type, label: d.label, data: d.data, borderColor: d.color, backgroundColor: d.color,
                   yAxisID: d.axis === "y2" ? "y2" : "y", borderWidth: d.type === "line" ? 2 : 0,
                   maxBarThickness: 18, spanGaps: true,
                   order: d.type === "line" ? 0 : 1 };
        })
      },
      options: {
        interaction: { mode: "index", intersect: false },
        scales: {
          y: { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: s.yTitle } },
          y2: { position: "right", min: 0, max: 100, grid: { drawOnChartArea: false },
                title: { display: true, text: s.y2Title } }
        }
      }
    };
  }

  var builders = { line: line, hbar: hbar, combo: combo };

  function draw() {
    if (!window.Chart) { return; }
    Chart.defaults.font.family = FONT;
    Chart.defaults.animation = false;
    Chart.defaults.maintainAspectRatio = false;
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var s = spec(canvas.getAttribute("data-chart"));
      if (s && builders[s.kind]) { new Chart(canvas, builders[s.kind](s)); }
    });
  }

  // The period form shows only the fields the chosen kind of period uses.
  function periodFields() {
    document.querySelectorAll("form.period").forEach(function (form) {
      var kind = form.querySelector("[name=kind]");
      function sync() {
        form.querySelectorAll("[data-kinds]").forEach(function (label) {
          label.hidden = label.getAttribute("data-kinds").split(" ").indexOf(kind.value || "quarter") < 0;
        });
      }
      kind.addEventListener("change", sync);
      sync();
    });
  }

  document.addEventListener("click", function (ev) {
    if (ev.target.closest && ev.target.closest("[data-print]")) { window.print(); }
  });
  function init() { periodFields(); draw(); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
