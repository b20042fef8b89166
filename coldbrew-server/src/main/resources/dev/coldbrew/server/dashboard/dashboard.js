// The Coldbrew dashboard: renders /dashboard/api/stream (server-sent events, every 2 s) as an
// overview table, one row per revision; a revision's charts are drawn only while its row is open.
"use strict";
(function () {
  const charts = {}; // "ns/revision" -> {concurrency, instances, rps, cold}, open revisions only
  const lastData = {}; // "ns/revision" -> history, every revision
  const open = new Set(); // "ns/revision" of the rows the user opened
  let lastState = null;
  const CHARTS = [
    ["concurrency", "Concurrency (stable window)", h => [h.concurrency], ["concurrency"]],
    ["instances", "Instances: desired vs actual", h => [h.desired, h.actual], ["desired", "actual"]],
    ["rps", "Requests per second", h => [h.rps], ["req/s"]],
    ["cold", "Cold starts", h => [h.coldStarts], ["cold starts"]],
  ];
  const COLUMNS = ["Service", "Revision", "Traffic", "Instances (ready / desired)", "Concurrency",
    "Requests/s", "State"];
  const COLORS = ["#1f77b4", "#d62728", "#2ca02c"];

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") e.className = v; else e.setAttribute(k, v);
    }
    for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return e;
  }

  function badge(text, cls) {
    return el("span", { class: "badge " + cls }, text);
  }

  // A count, or "—" while it is unknown (missing, or the autoscaler's -1: no decision yet).
  function count(v) {
    return typeof v === "number" && v >= 0 ? String(v) : "—";
  }

  // The latest sample of a series, rounded, or "—" before the first.
  function latest(series) {
    if (!series || series.length === 0) return "—";
    const v = series[series.length - 1];
    return typeof v === "number" && v >= 0 ? String(Math.round(v * 100) / 100) : "—";
  }

  // What a revision is doing, in words: Failed (with its reason), Deploying, Ready, Starting or
  // Scaled to zero.
  function revisionState(rev) {
    if (rev.ready === "False") {
      return { text: "Failed" + (rev.reason ? ": " + rev.reason : ""), cls: "False" };
    }
    if (rev.ready !== "True") {
      return { text: "Deploying" + (rev.reason ? ": " + rev.reason : ""), cls: "Unknown" };
    }
    if (rev.actual > 0) return { text: "Ready", cls: "True" };
    if (rev.desired > 0) return { text: "Starting", cls: "Proxy" };
    return { text: "Scaled to zero", cls: "Zero" };
  }

  function serviceState(svc) {
    if (svc.ready === "True") return { text: "Ready", cls: "True" };
    if (svc.ready === "False") {
      return { text: "Failed" + (svc.reason ? ": " + svc.reason : ""), cls: "False" };
    }
    return { text: "Deploying" + (svc.reason ? ": " + svc.reason : ""), cls: "Unknown" };
  }

  function traffic(svc, rev) {
    const targets = svc.traffic.filter(t => t.revision === rev.name);
    if (targets.length === 0) return "0%";
    const percent = targets.reduce((sum, t) => sum + (t.percent || 0), 0);
    const tags = targets.map(t => t.tag).filter(t => t);
    return percent + "%" + (tags.length ? " · " + tags.join(", ") : "");
  }

  function chart(title, labels, target) {
    const series = [{}].concat(labels.map((l, i) => ({ label: l, stroke: COLORS[i], width: 2 })));
    return new uPlot({
      title: title, width: 320, height: 170, series: series,
      scales: { x: { time: true }, y: { range: (u, min, max) => [0, Math.max(1, max)] } },
      legend: { show: true },
    }, [[]].concat(labels.map(() => [])), target);
  }

  function closeCharts(key) {
    Object.values(charts[key] || {}).forEach(u => u.destroy());
    delete charts[key];
  }

  // The row under an open revision: its charts, kept (not rebuilt) across states.
  function renderCharts(key, rev) {
    const box = el("div", { class: "charts" });
    const existing = charts[key] || {};
    charts[key] = {};
    for (const [kind, title, values, labels] of CHARTS) {
      const slot = el("div", { class: "chart chart-" + kind });
      box.append(slot);
      const u = existing[kind] || chart(title, labels, slot);
      if (existing[kind]) slot.append(u.root);
      u.setData([rev.history.t].concat(values(rev.history)));
      charts[key][kind] = u;
    }
    return el("tr", { class: "detail", "data-charts": rev.name },
      el("td", { colspan: COLUMNS.length }, box));
  }

  function serviceCell(svc) {
    const cell = el("td", { class: "service-name" }, el("strong", {}, svc.name), " ",
      el("small", {}, "(" + svc.namespace + ")"));
    if (svc.url && /^https?:\/\//.test(svc.url)) {
      cell.append(el("br"), el("a", { href: svc.url, class: "url" }, svc.url));
    }
    if (svc.ready !== "True") {
      const s = serviceState(svc);
      cell.append(el("br"), badge(s.text, s.cls + " service-state"));
    }
    return cell;
  }

  function renderService(svc, seen) {
    const body = el("tbody", { "data-service": svc.namespace + "/" + svc.name });
    if (svc.revisions.length === 0) {
      const s = serviceState(svc);
      body.append(el("tr", {}, serviceCell(svc), el("td", {}, "—"), el("td", {}, ""),
        el("td", {}, "—"), el("td", {}, "—"), el("td", {}, "—"),
        el("td", {}, badge(s.text, s.cls + " state"))));
      return body;
    }
    svc.revisions.forEach((rev, i) => {
      const key = svc.namespace + "/" + rev.name;
      seen.add(key);
      lastData[key] = rev.history;
      const isOpen = open.has(key);
      const s = revisionState(rev);
      const state = el("td", {}, badge(s.text, s.cls + " state"), " ",
        el("span", { class: "badge sks-mode " + (rev.sksMode || "Unknown") }, rev.sksMode || "?"),
        rev.panic ? " " : "", rev.panic ? badge("panic", "False") : "");
      if (rev.message && rev.ready !== "True") state.setAttribute("title", rev.message);
      const row = el("tr", {
        class: "revision-row" + (isOpen ? " open" : ""), "data-revision": rev.name,
        "data-key": key, tabindex: "0", "aria-expanded": String(isOpen),
        title: isOpen ? "Close the charts" : "Show the charts of the last 15 minutes",
      },
      i === 0 ? serviceCell(svc) : el("td", {}),
      el("td", { class: "revision-name" }, el("span", { class: "toggle" }, isOpen ? "▾ " : "▸ "),
        rev.name),
      el("td", { class: "traffic" }, traffic(svc, rev)),
      el("td", { class: "instances" }, count(rev.actual) + " / " + count(rev.desired)),
      el("td", { class: "concurrency" }, latest(rev.history.concurrency)),
      el("td", { class: "rps" }, latest(rev.history.rps)),
      state);
      body.append(row);
      if (isOpen) {
        body.append(renderCharts(key, rev));
      } else if (charts[key]) {
        closeCharts(key);
      }
    });
    return body;
  }

  function render(state) {
    lastState = state;
    const root = document.getElementById("services");
    const focused = document.activeElement && document.activeElement.dataset
      ? document.activeElement.dataset.key : undefined;
    const seen = new Set();
    if (state.services.length === 0) {
      root.replaceChildren(
        el("p", { class: "empty" }, "No services yet: ", el("code", {}, "coldbrew apply -f app.yaml")));
    } else {
      const table = el("table", { class: "overview" },
        el("thead", {}, el("tr", {}, ...COLUMNS.map(c => el("th", {}, c)))));
      for (const svc of state.services) table.append(renderService(svc, seen));
      root.replaceChildren(table,
        el("p", { class: "hint" }, "Click a revision for its charts of the last 15 minutes; click it again to close them."));
    }
    for (const key of Object.keys(lastData)) {
      if (!seen.has(key)) delete lastData[key];
    }
    for (const key of Object.keys(charts)) {
      if (!seen.has(key)) closeCharts(key);
    }
    for (const key of open) {
      if (!seen.has(key)) open.delete(key);
    }
    if (focused) {
      const row = root.querySelector("tr.revision-row[data-key='" + CSS.escape(focused) + "']");
      if (row) row.focus();
    }
    document.getElementById("status").textContent =
      "live · updated " + new Date(state.time).toLocaleTimeString() + " · last 15 minutes";
  }

  function toggle(key) {
    if (open.has(key)) {
      open.delete(key);
      closeCharts(key);
    } else {
      open.add(key);
    }
    if (lastState) render(lastState);
  }

  const root = document.getElementById("services");
  root.addEventListener("click", e => {
    if (e.target.closest("a")) return;
    const row = e.target.closest("tr.revision-row");
    if (row) toggle(row.dataset.key);
  });
  root.addEventListener("keydown", e => {
    if ((e.key === "Enter" || e.key === " ") && e.target.matches("tr.revision-row")) {
      e.preventDefault();
      toggle(e.target.dataset.key);
    }
  });

  // For tests and curious users: the highest actual instance count a revision's chart shows (its
  // open chart's data, else the latest history received), and a state rendered as if streamed.
  window.coldbrew = {
    maxActual: key => {
      const u = charts[key] && charts[key].instances;
      const actual = u ? u.data[2] : (lastData[key] || { actual: [] }).actual;
      return Math.max(0, ...actual);
    },
    show: state => render(state),
  };

  function connect() {
    const source = new EventSource("/dashboard/api/stream");
    source.onmessage = e => render(JSON.parse(e.data));
    source.onerror = () => {
      document.getElementById("status").textContent = "disconnected; retrying…";
    };
  }
  connect();
})();
