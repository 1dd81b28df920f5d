// Zespan dev server: small SVG charts for the dashboard. Plain JavaScript, no build step, no external library.
// Elements are made with createElementNS and text with textContent: nothing is ever parsed as markup.
"use strict";

(function () {
  const NS = "http://www.w3.org/2000/svg";
  const W = 560, H = 180, PAD_L = 54, PAD_R = 10, PAD_T = 10, PAD_B = 26;

  function svg(tag, attrs, text) {
    const node = document.createElementNS(NS, tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value !== undefined && value !== null) node.setAttribute(name, String(value));
    }
    if (text !== undefined) node.textContent = String(text);
    return node;
  }

  function niceMax(value) {
    if (!(value > 0)) return 1;
    const power = Math.pow(10, Math.floor(Math.log10(value)));
    for (const step of [1, 2, 2.5, 5, 10]) {
      if (value <= step * power) return step * power;
    }
    return 10 * power;
  }

  // Draws into `figure` (keeping its figcaption): labels along x, series as bars (stacked when asked) or lines.
  // series: [{ name, values: [number|null], kind: "bar"|"line", className }]
  function draw(figure, options) {
    for (const old of figure.querySelectorAll("svg, .legend, .chart-empty")) old.remove();
    const labels = options.labels || [];
    const series = options.series || [];
    const format = options.format || ((v) => String(v));
    if (labels.length === 0) {
      const empty = document.createElement("p");
      empty.className = "chart-empty muted";
      empty.textContent = "No LLM calls in this range.";
      figure.appendChild(empty);
      return;
    }

    const bars = series.filter((s) => s.kind !== "line");
    let max = 0;
    for (let i = 0; i < labels.length; i++) {
      if (options.stacked) {
        max = Math.max(max, bars.reduce((sum, s) => sum + (s.values[i] || 0), 0));
      }
      for (const s of series) {
        if (!options.stacked || s.kind === "line") max = Math.max(max, s.values[i] || 0);
      }
    }
    max = options.max || niceMax(max);

    const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart-svg", role: "img", "aria-label": figure.querySelector("figcaption")?.textContent || "chart" });
    const plotW = W - PAD_L - PAD_R, plotH = H - PAD_T - PAD_B;
    const y = (v) => PAD_T + plotH - (Math.max(0, v) / max) * plotH;
    for (const fraction of [0, 0.5, 1]) {
      const value = max * fraction;
      root.appendChild(svg("line", { x1: PAD_L, x2: W - PAD_R, y1: y(value), y2: y(value), class: "grid" }));
      root.appendChild(svg("text", { x: PAD_L - 6, y: y(value) + 4, class: "axis", "text-anchor": "end" }, format(value)));
    }

    const slot = plotW / labels.length;
    const barW = Math.max(1, Math.min(36, slot * 0.7 / (options.stacked ? 1 : Math.max(1, bars.length))));
    for (let i = 0; i < labels.length; i++) {
      let base = 0;
      bars.forEach((s, b) => {
        const value = s.values[i] || 0;
        const x = PAD_L + slot * i + (slot - barW * (options.stacked ? 1 : bars.length)) / 2 + (options.stacked ? 0 : b * barW);
        const top = options.stacked ? base + value : value;
        const rect = svg("rect", {
          x: x.toFixed(2), y: y(top).toFixed(2), width: barW.toFixed(2), height: Math.max(0, y(options.stacked ? base : 0) - y(top)).toFixed(2),
          class: "bar " + (s.className || ""), "data-series": s.name, "data-index": i, "data-value": s.values[i] == null ? "" : s.values[i],
        });
        rect.appendChild(svg("title", {}, labels[i] + " · " + s.name + ": " + (s.values[i] == null ? "–" : format(s.values[i]))));
        root.appendChild(rect);
        if (options.stacked) base += value;
      });
    }

    for (const s of series.filter((x) => x.kind === "line")) {
      const points = [];
      s.values.forEach((value, i) => {
        if (value == null) return;
        const cx = PAD_L + slot * i + slot / 2;
        points.push(cx.toFixed(2) + "," + y(value).toFixed(2));
        const dot = svg("circle", { cx: cx.toFixed(2), cy: y(value).toFixed(2), r: 2.5, class: "dot " + (s.className || ""), "data-series": s.name, "data-index": i, "data-value": value });
        dot.appendChild(svg("title", {}, labels[i] + " · " + s.name + ": " + format(value)));
        root.appendChild(dot);
      });
      if (points.length > 1) root.insertBefore(svg("polyline", { points: points.join(" "), class: "line " + (s.className || "") }), root.firstChild.nextSibling);
    }

    const every = Math.max(1, Math.ceil(labels.length / 6));
    labels.forEach((label, i) => {
      if (i % every !== 0) return;
      root.appendChild(svg("text", { x: PAD_L + slot * i + slot / 2, y: H - 8, class: "axis", "text-anchor": "middle" }, label));
    });

    figure.appendChild(root);
    const legend = document.createElement("div");
    legend.className = "legend";
    for (const s of series) {
      const item = document.createElement("span");
      const swatch = document.createElement("i");
      swatch.className = "swatch " + (s.className || "");
      item.appendChild(swatch);
      item.appendChild(document.createTextNode(s.name));
      legend.appendChild(item);
    }
    figure.appendChild(legend);
  }

  window.ZespanCharts = { draw: draw };
})();
