// The Coldbrew dashboard: renders /dashboard/api/stream (server-sent events, every 2 s).
"use strict";
(function () {
  const charts = {}; // "ns/revision" -> {concurrency, instances, rps, cold}
  const lastData = {}; // "ns/revision" -> history
  const CHARTS = [
    ["concurrency", "Concurrency (stable window)", h => [h.concurrency], ["concurrency"]],
    ["instances", "Instances: desired vs actual", h => [h.desired, h.actual], ["desired", "actual"]],
    ["rps", "Requests per second", h => [h.rps], ["req/s"]],
    ["cold", "Cold starts", h => [h.coldStarts], ["cold starts"]],
  ];
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

  function chart(key, kind, title, labels, target) {
    const series = [{}].concat(labels.map((l, i) => ({ label: l, stroke: COLORS[i], width: 2 })));
    const u = new uPlot({
      title: title, width: 380, height: 170, series: series,
      scales: { x: { time: true }, y: { range: (u, min, max) => [0, Math.max(1, max)] } },
      legend: { show: true },
    }, [[]].concat(labels.map(() => [])), target);
    return u;
  }

  function renderRevision(svc, rev) {
    const key = svc.namespace + "/" + rev.name;
    const box = el("div", { class: "revision", "data-revision": rev.name });
    box.append(
      el("strong", {}, rev.name), " ",
      badge("Ready " + rev.ready, rev.ready), " ",
      el("span", { class: "badge sks-mode " + (rev.sksMode || "Unknown") }, rev.sksMode || "?"), " ",
      el("span", { class: "instances" },
        "desired " + (rev.desired ?? "-") + ", actual " + (rev.actual ?? "-")),
      rev.panic ? badge("panic", "False") : "");
    const row = el("div", { class: "charts" });
    box.append(row);
    lastData[key] = rev.history;
    const existing = charts[key];
    charts[key] = {};
    for (const [kind, title, values, labels] of CHARTS) {
      const slot = el("div", { class: "chart chart-" + kind });
      row.append(slot);
      const u = existing && existing[kind] ? existing[kind] : chart(key, kind, title, labels, slot);
      if (existing && existing[kind]) slot.append(u.root);
      u.setData([rev.history.t].concat(values(rev.history)));
      charts[key][kind] = u;
    }
    return box;
  }

  function render(state) {
    const root = document.getElementById("services");
    const seen = new Set();
    root.replaceChildren();
    if (state.services.length === 0) {
      root.append(el("p", { class: "empty" }, "No services yet: ", el("code", {}, "coldbrew apply -f app.yaml")));
    }
    for (const svc of state.services) {
      const box = el("div", { class: "service", "data-service": svc.namespace + "/" + svc.name });
      box.append(el("h2", {}, svc.name, " ", el("small", {}, "(" + svc.namespace + ")"), " ",
        badge("Ready " + svc.ready, svc.ready)));
      if (svc.url) box.append(el("div", {}, el("a", { href: svc.url, class: "url" }, svc.url)));
      if (svc.reason && svc.ready !== "True") box.append(el("div", { class: "empty" }, svc.reason));
      const traffic = el("table", { class: "traffic" },
        el("tr", {}, el("th", {}, "traffic"), el("th", {}, "revision"), el("th", {}, "tag")));
      for (const t of svc.traffic) {
        traffic.append(el("tr", {}, el("td", {}, t.percent + "%"), el("td", {}, t.revision || ""), el("td", {}, t.tag || "")));
      }
      box.append(traffic);
      for (const rev of svc.revisions) {
        seen.add(svc.namespace + "/" + rev.name);
        box.append(renderRevision(svc, rev));
      }
      root.append(box);
    }
    for (const key of Object.keys(charts)) {
      if (!seen.has(key)) {
        Object.values(charts[key]).forEach(u => u.destroy());
        delete charts[key];
        delete lastData[key];
      }
    }
    document.getElementById("status").textContent =
      "live · updated " + new Date(state.time).toLocaleTimeString() + " · last 15 minutes";
  }

  // For tests and curious users: the highest actual instance count a revision's chart shows.
  window.coldbrew = {
    maxActual: key => Math.max(0, ...((lastData[key] || { actual: [] }).actual)),
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
