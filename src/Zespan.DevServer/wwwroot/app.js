// Zespan dev server trace viewer. Plain JavaScript, no build step.
// Everything shown here may be LLM output or user input, so it is untrusted: text is only ever put into the
// page with textContent / createTextNode, never as HTML.
"use strict";

(function () {
  const REFRESH_MS = 3000;
  const PAGE_SIZE = 50;
  const LOG_TYPES = ["workflow", "agent", "plan", "tool", "handoff", "generation", "response", "embedding", "guardrail", "custom"];

  // The API key: ?key=... in the page URL (the server prints the whole URL when it starts). It is sent in the
  // Authorization header only, never as a cookie.
  const apiKey = new URLSearchParams(window.location.search).get("key") || "";

  const state = { page: 1, total: 0, timer: null, view: "traces", traceId: null, selectedSpanId: null, spans: new Map(), loading: false, promptName: null, compare: [] };
  const LIST_FILTERS = ["q", "user", "model", "provider", "log_type", "status", "tag", "meta", "session", "prompt"];

  const $ = (id) => document.getElementById(id);

  // el("div", { className: "x" }, "text", child) — strings become text nodes.
  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    if (props) {
      for (const [name, value] of Object.entries(props)) {
        if (value === undefined || value === null) continue;
        if (name === "className") node.className = value;
        else if (name === "dataset") Object.assign(node.dataset, value);
        else if (name === "onClick") node.addEventListener("click", value);
        else if (name === "style") {
          // through the CSSOM: the page's Content-Security-Policy forbids inline style attributes
          for (const rule of String(value).split(";")) {
            const colon = rule.indexOf(":");
            if (colon > 0) node.style.setProperty(rule.slice(0, colon).trim(), rule.slice(colon + 1).trim());
          }
        }
        else node.setAttribute(name, String(value));
      }
    }
    append(node, children);
    return node;
  }

  function append(node, children) {
    for (const child of children) {
      if (child === undefined || child === null || child === false) continue;
      if (Array.isArray(child)) append(node, child);
      else if (child instanceof Node) node.appendChild(child);
      else node.appendChild(document.createTextNode(String(child)));
    }
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  function setStatus(text, isError) {
    const status = $("status");
    status.textContent = text;
    status.classList.toggle("error", Boolean(isError));
  }

  async function api(path) {
    const headers = { Accept: "application/json" };
    if (apiKey) headers.Authorization = "Bearer " + apiKey;
    const response = await fetch(path, { headers: headers, cache: "no-store", credentials: "omit" });
    let body = null;
    try { body = await response.json(); } catch { body = null; }
    if (!response.ok) {
      const message = body && body.error && body.error.message ? body.error.message : "HTTP " + response.status;
      const error = new Error(response.status === 401
        ? "The server wants its API key: open the viewer URL it printed at start (/?key=<key>) (" + message + ")"
        : message);
      error.status = response.status;
      throw error;
    }
    return body;
  }

  // ---- formatting -------------------------------------------------------------------------------------------

  function formatTime(iso) {
    if (!iso) return "";
    const date = new Date(iso);
    return isNaN(date.getTime()) ? String(iso) : date.toLocaleString();
  }

  function formatLatency(seconds) {
    if (typeof seconds !== "number" || !isFinite(seconds)) return "";
    return seconds < 1 ? Math.round(seconds * 1000) + " ms" : seconds.toFixed(seconds < 10 ? 2 : 1) + " s";
  }

  function formatTokens(tokens) {
    return typeof tokens === "number" ? tokens.toLocaleString() : "";
  }

  function formatCount(value) {
    return typeof value === "number" ? value.toLocaleString() : "";
  }

  function formatPercent(value) {
    return typeof value === "number" ? (value * 100).toFixed(value < 0.1 ? 1 : 0) + "%" : "";
  }

  function formatCost(cost) {
    if (typeof cost !== "number") return "";
    if (cost === 0) return "$0";
    return "$" + (cost < 0.01 ? cost.toFixed(6) : cost.toFixed(4)).replace(/0+$/, "").replace(/\.$/, "");
  }

  function logTypeClass(type) {
    return LOG_TYPES.includes(type) ? type : "custom";
  }

  function badge(type) {
    return el("span", { className: "badge badge-" + logTypeClass(type), title: String(type || "custom") }, String(type || "custom"));
  }

  function statusPill(status) {
    const value = status === "error" ? "error" : "ok";
    return el("span", { className: "pill " + value }, value);
  }

  function pretty(value) {
    if (typeof value === "string") {
      try { return JSON.stringify(JSON.parse(value), null, 2); } catch { return value; }
    }
    return JSON.stringify(value, null, 2);
  }

  function isEmpty(value) {
    return value === undefined || value === null || (typeof value === "object" && Object.keys(value).length === 0);
  }


  // ---- views ---------------------------------------------------------------------------------------------------

  function show(view) {
    state.view = view;
    const id = view === "traces" ? "list-view" : view + "-view";
    for (const section of document.querySelectorAll("main > .view")) section.hidden = section.id !== id;
    const nav = { traces: "traces", trace: "traces", dashboard: "dashboard", sessions: "sessions", session: "sessions", users: "users", prompts: "prompts" }[view];
    for (const link of document.querySelectorAll(".topnav a")) link.classList.toggle("active", link.dataset.nav === nav);
  }

  function table(rows, columns) {
    return rows.map((row) => el("tr", row.attrs || null, columns.map((c) => el("td", c.num ? { className: "num" } : null, c.value(row)))));
  }

  // ---- trace list ---------------------------------------------------------------------------------------------

  function filterQuery() {
    const form = $("filters");
    const params = new URLSearchParams();
    for (const name of LIST_FILTERS) {
      const value = form.elements[name].value.trim();
      if (value) params.set(name, value);
    }
    for (const name of ["from", "to"]) {
      const value = form.elements[name].value;
      if (value) {
        const date = new Date(value);
        if (!isNaN(date.getTime())) params.set(name, date.toISOString());
      }
    }
    params.set("page", String(state.page));
    params.set("limit", String(PAGE_SIZE));
    return params.toString();
  }

  // "#/?user=bob&prompt=support-reply%233": filters given in the address (links from the other pages)
  function applyHashFilters(query) {
    const params = new URLSearchParams(query || "");
    const form = $("filters");
    let changed = false;
    for (const name of LIST_FILTERS) {
      if (params.has(name)) {
        form.elements[name].value = params.get(name);
        changed = true;
      }
    }
    if (changed) state.page = 1;
  }

  async function loadList() {
    if (state.loading) return;
    state.loading = true;
    try {
      const result = await api("/api/traces?" + filterQuery());
      state.total = result.total;
      renderList(result);
      setStatus("Updated " + new Date().toLocaleTimeString());
    } catch (error) {
      setStatus(error.message, true);
    } finally {
      state.loading = false;
    }
  }

  function renderList(result) {
    const rows = $("trace-rows");
    clear(rows);
    for (const trace of result.data) {
      const href = "#/trace/" + encodeURIComponent(trace.trace_id);
      const row = el("tr", { dataset: { traceId: trace.trace_id }, onClick: () => { window.location.hash = href; } },
        el("td", null, formatTime(trace.start_time)),
        el("td", null,
          el("a", { className: "trace-name", href: href }, trace.name || "(unnamed)"),
          el("span", { className: "trace-id" }, trace.trace_id)),
        el("td", null, trace.user || ""),
        el("td", null, (trace.models || []).join(", ")),
        el("td", { className: "num" }, formatTokens(trace.total_tokens)),
        el("td", { className: "num" }, formatCost(trace.total_cost)),
        el("td", { className: "num" }, formatLatency(trace.latency)),
        el("td", null, statusPill(trace.status)),
        el("td", { className: "num" }, String(trace.span_count)));
      rows.appendChild(row);
    }
    $("empty").hidden = result.data.length > 0;
    $("trace-count").textContent = result.total === 1 ? "1 trace" : result.total + " traces";
    const pages = Math.max(1, Math.ceil(result.total / result.limit));
    $("page-info").textContent = "Page " + result.page + " of " + pages;
    $("newer").disabled = result.page <= 1;
    $("older").disabled = result.page >= pages;
  }

  // ---- one trace: tree and timeline ---------------------------------------------------------------------------

  async function loadTrace(traceId, quiet) {
    try {
      const trace = await loadAllSpans(traceId);
      if (state.traceId !== traceId) return; // navigated away meanwhile
      renderTrace(trace);
      setStatus("Updated " + new Date().toLocaleTimeString());
    } catch (error) {
      if (!quiet || error.status === 404) {
        clear($("span-tree"));
        clear($("span-detail"));
        clear($("timeline"));
        $("trace-title").textContent = error.status === 404 ? "Trace not found" : "Could not load the trace";
      }
      setStatus(error.message, true);
    }
  }

  // The server answers the spans flat, depth first, a page at a time: fetch every page, then nest them by depth.
  async function loadAllSpans(traceId) {
    const base = "/api/traces/" + encodeURIComponent(traceId);
    const trace = await api(base + "?span_limit=2000");
    let spans = trace.spans;
    for (let pages = 1; trace.next_span_offset != null && pages < 50; pages++) {
      const next = await api(base + "?span_limit=2000&span_offset=" + trace.next_span_offset);
      spans = spans.concat(next.spans);
      trace.next_span_offset = next.next_span_offset;
    }
    trace.flat = spans;
    trace.spans = nest(spans);
    return trace;
  }

  function nest(flat) {
    const roots = [];
    const path = [];
    for (const span of flat) {
      span.children = [];
      const depth = Math.min(span.depth || 0, path.length);
      if (depth === 0) roots.push(span);
      else path[depth - 1].children.push(span);
      path.length = depth;
      path.push(span);
    }
    return roots;
  }

  function renderTrace(trace) {
    $("trace-title").textContent = trace.name || "(unnamed trace)";
    const statusHolder = $("trace-status");
    clear(statusHolder);
    statusHolder.appendChild(statusPill(trace.status));

    const summary = $("trace-summary");
    clear(summary);
    const facts = [
      ["Trace id", trace.trace_id],
      ["Started", formatTime(trace.start_time)],
      ["User", trace.user],
      ["Models", (trace.models || []).join(", ")],
      ["Tokens", formatTokens(trace.total_tokens)],
      ["Cost", formatCost(trace.total_cost)],
      ["Latency", formatLatency(trace.latency)],
      ["Spans", String(trace.span_count)],
      ["Environment", trace.environment],
    ];
    for (const [label, value] of facts) {
      if (value === undefined || value === null || value === "") continue;
      summary.appendChild(el("div", null, el("dt", null, label), el("dd", null, value)));
    }

    state.spans.clear();
    const tree = $("span-tree");
    clear(tree);
    // nested lists, built without recursion (a trace may be a chain hundreds of spans deep)
    const lists = [tree];
    for (const span of trace.flat) {
      state.spans.set(span.span_id, span);
      const depth = Math.min(span.depth || 0, lists.length - 1);
      lists.length = depth + 1;
      const item = el("li", null, treeButton(span));
      lists[depth].appendChild(item);
      if (span.child_count > 0) {
        const list = el("ul");
        item.appendChild(list);
        lists.push(list);
      }
    }
    renderTimeline(trace);
    if (!state.selectedSpanId || !state.spans.has(state.selectedSpanId)) {
      state.selectedSpanId = trace.flat.length > 0 ? trace.flat[0].span_id : null;
    }
    selectSpan(state.selectedSpanId, false);
  }

  function treeButton(span) {
    const event = span.event || {};
    const meta = [event.model, formatLatency(span.latency)].filter(Boolean).join(" · ");
    return el("button", {
      type: "button",
      className: "span-node" + (span.status === "error" ? " error" : ""),
      dataset: { spanId: span.span_id, logType: logTypeClass(span.log_type) },
      onClick: () => selectSpan(span.span_id, true),
    }, badge(span.log_type), el("span", { className: "span-name" }, span.name || "(unnamed)"), el("span", { className: "span-meta" }, meta));
  }

  // A waterfall: one row per span in tree order, its bar placed by start offset and sized by duration on the
  // trace's time axis; time to first token marked on streamed generations; errors in red.
  function renderTimeline(trace) {
    const holder = $("timeline");
    clear(holder);
    const total = Math.max(trace.latency || 0, ...trace.flat.map((s) => (s.start_offset || 0) + (s.latency || 0)), 1e-6);
    $("timeline-scale").textContent = "0 – " + formatLatency(total);
    const axis = el("div", { className: "timeline-axis" }, el("span", { className: "timeline-label" }),
      el("div", { className: "timeline-ticks" }, [0, 0.25, 0.5, 0.75, 1].map((f) => el("span", { style: "left:" + (f * 100) + "%" }, formatLatency(total * f)))));
    holder.appendChild(axis);
    for (const span of trace.flat) {
      const event = span.event || {};
      const left = Math.max(0, (span.start_offset || 0) / total) * 100;
      const width = Math.max(0.4, ((span.latency || 0) / total) * 100);
      const bar = el("div", {
        className: "timeline-bar bar-" + logTypeClass(span.log_type) + (span.status === "error" ? " error" : ""),
        style: "left:" + left.toFixed(4) + "%;width:" + Math.min(width, 100 - left).toFixed(4) + "%",
        dataset: { left: left.toFixed(4), width: width.toFixed(4) },
        title: (span.name || "") + " · " + formatLatency(span.latency),
      });
      if (typeof event.time_to_first_token === "number" && event.stream && span.latency > 0) {
        const at = Math.min(100, (event.time_to_first_token / span.latency) * 100);
        bar.appendChild(el("i", { className: "ttft", style: "left:" + at.toFixed(2) + "%", title: "first token after " + formatLatency(event.time_to_first_token) }));
      }
      const row = el("div", {
        className: "timeline-row" + (span.status === "error" ? " error" : ""),
        role: "listitem",
        dataset: { spanId: span.span_id, logType: logTypeClass(span.log_type) },
        onClick: () => selectSpan(span.span_id, true),
      },
        el("span", { className: "timeline-label", style: "padding-left:" + Math.min(span.depth || 0, 40) * 12 + "px" },
          badge(span.log_type), el("span", { className: "span-name" }, span.name || "(unnamed)")),
        el("div", { className: "timeline-track" }, bar),
        el("span", { className: "timeline-duration" }, formatLatency(span.latency)));
      holder.appendChild(row);
    }
  }

  function selectSpan(spanId, updateLink) {
    state.selectedSpanId = spanId;
    for (const node of document.querySelectorAll("#span-tree .span-node, #timeline .timeline-row")) {
      node.classList.toggle("selected", node.dataset.spanId === spanId);
    }
    const detail = $("span-detail");
    clear(detail);
    const span = spanId ? state.spans.get(spanId) : null;
    if (span) renderSpanDetail(detail, span);
    if (updateLink && state.traceId && spanId) {
      const link = "#/trace/" + encodeURIComponent(state.traceId) + "/span/" + encodeURIComponent(spanId);
      if (window.location.hash !== link) history.replaceState(null, "", link);
    }
  }

  function section(title, ...content) {
    return [el("h3", null, title), ...content];
  }

  function renderSpanDetail(detail, span) {
    const e = span.event || {};
    detail.dataset.spanId = span.span_id;
    append(detail, [el("div", { className: "detail-head" }, badge(span.log_type), el("h2", null, span.name || "(unnamed)"), statusPill(span.status))]);

    const facts = el("dl", { className: "facts" });
    const fact = (label, value) => {
      if (value === undefined || value === null || value === "") return;
      facts.appendChild(el("dt", null, label));
      facts.appendChild(el("dd", null, String(value)));
    };
    fact("Span id", span.span_id);
    fact("Parent", span.parent_span_id);
    fact("Started", formatTime(span.start_time));
    fact("Latency", formatLatency(span.latency));
    if (typeof e.time_to_first_token === "number") fact("First token", formatLatency(e.time_to_first_token));
    fact("Status code", span.status_code);
    fact("Provider", e.provider);
    fact("Model", e.model);
    if (e.response_model && e.response_model !== e.model) fact("Response model", e.response_model);
    if (e.requested_model) fact("Requested model", e.requested_model);
    if (e.stream) fact("Streamed", "yes");
    fact("Finish reason", e.finish_reason);
    if (e.prompt_tokens != null || e.completion_tokens != null || e.total_tokens != null) {
      const t = (value) => (value == null ? "–" : formatTokens(value));
      fact("Tokens", t(e.prompt_tokens) + " in · " + t(e.completion_tokens) + " out · " + t(e.total_tokens) + " total");
    }
    const cached = e.prompt_tokens_details && e.prompt_tokens_details.cached_tokens;
    const reasoning = e.completion_tokens_details && e.completion_tokens_details.reasoning_tokens;
    if (typeof cached === "number" || typeof reasoning === "number") {
      fact("Token details", [typeof cached === "number" ? formatTokens(cached) + " cached input" : null, typeof reasoning === "number" ? formatTokens(reasoning) + " reasoning" : null].filter(Boolean).join(" · "));
    }
    fact("Cost", e.cost == null && (e.cost_status === "unpriced" || e.prompt_tokens != null) ? "unpriced (no price known)" : formatCost(e.cost));
    if (e.cost_status) fact("Cost status", e.cost_status);
    if (e.price_table_version) fact("Price table", e.price_table_version);
    fact("User", e.customer_identifier);
    fact("User email", e.customer_email);
    fact("User name", e.customer_name);
    fact("Session", e.thread_identifier);
    fact("Environment", e.environment);
    fact("Config version", e.config_version);
    if (e.truncated) fact("Truncated", "yes: a field was cut to keep the event under the size limit");
    detail.appendChild(facts);

    if (e.error) {
      detail.appendChild(el("div", { className: "error-box", role: "alert" }, el("strong", null, String(e.error.type || "error")), String(e.error.message || "")));
    }

    if (e.agent) {
      const tools = (e.agent.tools || []).map((tool) => el("span", { className: "chip" }, el("b", null, String(tool.name || "")), tool.description ? " — " + tool.description : ""));
      append(detail, section("Agent",
        el("dl", { className: "facts" },
          el("dt", null, "Name"), el("dd", null, String(e.agent.name || "")),
          el("dt", null, "Role"), el("dd", null, String(e.agent.role || "")),
          el("dt", null, "Framework"), el("dd", null, String(e.agent.framework || ""))),
        tools.length ? el("div", { className: "chips" }, tools) : null));
    }

    if (Array.isArray(e.plan) && e.plan.length) {
      append(detail, section("Plan", el("ol", { className: "plan" }, e.plan.map((step) => el("li", null, String(step))))));
    }

    if (e.tool) {
      append(detail, section("Tool call · " + String(e.tool.name || ""),
        el("h3", null, "Arguments"), el("pre", { className: "json" }, pretty(e.tool.arguments)),
        el("h3", null, "Result"), el("pre", { className: "json" }, pretty(e.tool.result))));
    }

    if (e.handoff) {
      append(detail, section("Handoff",
        el("p", null, el("b", null, String(e.handoff.from || "?")), " → ", el("b", null, String(e.handoff.to || "?"))),
        e.handoff.reason ? el("p", { className: "muted" }, String(e.handoff.reason)) : null));
    }

    if (e.guardrail) {
      const results = (e.guardrail.results || []).map((r) => el("tr", null,
        el("td", null, String(r.policy || "")),
        el("td", null, statusPill(r.passed ? "ok" : "error")),
        el("td", null, String(r.action || "")),
        el("td", null, String(r.reason || "")),
        el("td", null, r.modified_text == null ? "" : String(r.modified_text))));
      append(detail, section("Guardrail · " + String(e.guardrail.phase || "") + " · " + (e.guardrail.passed ? "passed" : "failed"),
        el("table", { className: "results" },
          el("thead", null, el("tr", null, el("th", null, "Policy"), el("th", null, "Passed"), el("th", null, "Action"), el("th", null, "Reason"), el("th", null, "Modified text"))),
          el("tbody", null, results))));
    }

    if (Array.isArray(e.prompt_messages) && e.prompt_messages.length) {
      append(detail, section("Prompt", el("div", { className: "messages prompt-messages" }, e.prompt_messages.map(renderMessage))));
    }
    if (e.completion_message) {
      append(detail, section("Completion", el("div", { className: "messages completion-message" }, renderMessage(e.completion_message))));
    }

    if (!isEmpty(e.eval_scores)) {
      const rows = [];
      for (const [name, score] of Object.entries(e.eval_scores)) {
        const value = Number(score);
        rows.push(el("span", null, name));
        rows.push(value >= 0 && value <= 1 ? el("meter", { min: 0, max: 1, value: value }) : el("span"));
        rows.push(el("span", { className: "mono" }, String(score)));
      }
      append(detail, section("Eval scores", el("div", { className: "scores" }, rows)));
    }

    if (!isEmpty(e.tags)) {
      append(detail, section("Tags", el("div", { className: "chips" },
        Object.entries(e.tags).map(([k, v]) => el("span", { className: "chip" }, el("b", null, k), "=" + String(v))))));
    }

    if (!isEmpty(e.metadata)) {
      append(detail, section("Metadata", el("pre", { className: "json" }, pretty(e.metadata))));
    }

    detail.appendChild(el("details", { className: "raw" }, el("summary", null, "Raw event JSON"), el("pre", { className: "json" }, pretty(e))));
  }

  function renderMessage(message) {
    message = message || {};
    const role = String(message.role || "unknown");
    const content = typeof message.content === "string" ? message.content : (message.content == null ? "" : pretty(message.content));
    const box = el("div", { className: "message role-" + (/^[a-z]+$/.test(role) ? role : "unknown") },
      el("div", { className: "message-role" }, role + (message.tool_call_id ? " · " + message.tool_call_id : "")),
      el("pre", { className: "message-content" + (content ? "" : " empty-content") }, content || "(no text)"));
    for (const call of message.tool_calls || []) {
      box.appendChild(el("div", { className: "tool-call" },
        el("div", null, "→ ", el("b", null, String(call.name || "")), call.id ? " (" + call.id + ")" : ""),
        el("pre", { className: "json" }, pretty(call.arguments))));
    }
    return box;
  }


  // ---- dashboard --------------------------------------------------------------------------------------------------

  function dashboardQuery() {
    const form = $("dashboard-filters");
    const params = new URLSearchParams();
    const range = form.elements.range.value;
    const hours = { "1h": 1, "24h": 24, "7d": 168, "30d": 720 }[range];
    if (hours) {
      const now = Date.now();
      params.set("from", new Date(now - hours * 3600 * 1000).toISOString());
      params.set("to", new Date(now + 1000).toISOString());
    }
    if (form.elements.environment.value.trim()) params.set("environment", form.elements.environment.value.trim());
    return params;
  }

  async function loadDashboard() {
    try {
      const params = dashboardQuery();
      const series = new URLSearchParams(params);
      const interval = $("dashboard-filters").elements.interval.value;
      if (interval) series.set("interval", interval);
      const [timeseries, ...breakdowns] = await Promise.all([
        api("/api/stats/timeseries?" + series.toString()),
        ...["model", "provider", "user", "prompt"].map((by) => { const p = new URLSearchParams(params); p.set("by", by); return api("/api/stats/breakdown?" + p.toString()); }),
      ]);
      if (state.view !== "dashboard") return;
      renderDashboard(timeseries, breakdowns);
      setStatus("Updated " + new Date().toLocaleTimeString());
    } catch (error) {
      setStatus(error.message, true);
    }
  }

  function bucketLabel(iso, seconds) {
    const date = new Date(iso);
    if (seconds >= 86400) return date.toLocaleDateString();
    return date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  function renderDashboard(timeseries, breakdowns) {
    const buckets = timeseries.buckets || [];
    $("dashboard-range").textContent = timeseries.from
      ? formatTime(timeseries.from) + " – " + formatTime(timeseries.to) + " · every " + timeseries.interval
      : "no LLM calls stored yet";
    const totals = breakdowns[0].totals;
    const cards = $("dashboard-cards");
    clear(cards);
    const card = (name, label, value, note) => el("div", { className: "card", dataset: { card: name } }, el("span", { className: "card-label" }, label), el("span", { className: "card-value" }, value), note ? el("span", { className: "card-note muted" }, note) : null);
    append(cards, [
      card("calls", "LLM calls", formatCount(totals.calls)),
      card("tokens", "Tokens", formatCount(totals.total_tokens), formatCount(totals.prompt_tokens) + " in · " + formatCount(totals.completion_tokens) + " out"),
      card("cost", "Cost", totals.cost == null ? "–" : formatCost(totals.cost), formatCount(totals.priced_calls) + " priced calls"),
      card("unpriced", "Unpriced calls", formatCount(totals.unpriced_calls), "no price known: not counted as $0"),
      card("errors", "Error rate", totals.error_rate == null ? "–" : formatPercent(totals.error_rate), formatCount(totals.errors) + " errors"),
      card("latency", "Latency p95", formatLatency(totals.latency_p95), "p50 " + formatLatency(totals.latency_p50)),
    ]);

    const labels = buckets.map((b) => bucketLabel(b.start, timeseries.interval_seconds));
    const pick = (name) => buckets.map((b) => b[name]);
    const chart = (name) => document.querySelector('.chart[data-chart="' + name + '"]');
    window.ZespanCharts.draw(chart("calls"), { labels, format: (v) => formatCount(Math.round(v)), series: [
      { name: "calls", values: pick("calls"), className: "s-calls" }, { name: "errors", values: pick("errors"), className: "s-errors" }] });
    window.ZespanCharts.draw(chart("tokens"), { labels, stacked: true, format: (v) => formatCount(Math.round(v)), series: [
      { name: "input", values: buckets.map((b) => b.prompt_tokens - b.cached_tokens), className: "s-input" },
      { name: "cached input", values: pick("cached_tokens"), className: "s-cached" },
      { name: "output", values: buckets.map((b) => b.completion_tokens - b.reasoning_tokens), className: "s-output" },
      { name: "reasoning", values: pick("reasoning_tokens"), className: "s-reasoning" }] });
    window.ZespanCharts.draw(chart("cost"), { labels, format: formatCost, series: [{ name: "cost (USD)", values: pick("cost"), className: "s-cost" }] });
    window.ZespanCharts.draw(chart("latency"), { labels, format: formatLatency, series: [
      { name: "p50", values: pick("latency_p50"), kind: "line", className: "s-p50" }, { name: "p95", values: pick("latency_p95"), kind: "line", className: "s-p95" }] });
    window.ZespanCharts.draw(chart("errors"), { labels, max: 1, format: formatPercent, series: [{ name: "error rate", values: pick("error_rate"), kind: "line", className: "s-errors" }] });

    const holder = $("breakdowns");
    clear(holder);
    const titles = { model: "By model", provider: "By provider", user: "By user", prompt: "By prompt version" };
    for (const breakdown of breakdowns) {
      const rows = breakdown.rows.map((r) => Object.assign({ attrs: { dataset: { key: r.key == null ? "" : r.key } } }, r));
      const columns = [
        { value: (r) => r.total ? "Total" : r.key == null ? "(none)" : (breakdown.by === "prompt" ? r.prompt_name + " v" + (r.prompt_version == null ? "?" : r.prompt_version) : r.key) },
        { num: true, value: (r) => formatCount(r.calls) },
        { num: true, value: (r) => formatCount(r.errors) },
        { num: true, value: (r) => formatCount(r.prompt_tokens) },
        { num: true, value: (r) => formatCount(r.completion_tokens) },
        { num: true, value: (r) => formatCount(r.cached_tokens) },
        { num: true, value: (r) => formatCount(r.reasoning_tokens) },
        { num: true, value: (r) => r.cost == null ? "–" : formatCost(r.cost) },
        { num: true, value: (r) => formatCount(r.unpriced_calls) },
        { num: true, value: (r) => formatLatency(r.latency_p50) },
        { num: true, value: (r) => formatLatency(r.latency_p95) },
      ];
      holder.appendChild(el("section", { className: "panel" }, el("h2", null, titles[breakdown.by]),
        el("div", { className: "table-wrap" }, el("table", { className: "traces breakdown", dataset: { by: breakdown.by } },
          el("thead", null, el("tr", null, ["", "Calls", "Errors", "Input", "Output", "Cached", "Reasoning", "Cost", "Unpriced", "p50", "p95"].map((h, i) => el("th", i ? { className: "num" } : null, h)))),
          el("tbody", null, table(rows, columns)),
          el("tfoot", null, table([Object.assign({ total: true }, breakdown.totals)], columns))))));
    }
  }

  // ---- sessions and users -------------------------------------------------------------------------------------------

  async function loadSessions() {
    try {
      const result = await api("/api/sessions?limit=200");
      if (state.view !== "sessions") return;
      const rows = $("session-rows");
      clear(rows);
      for (const s of result.data) {
        const href = "#/session/" + encodeURIComponent(s.id);
        rows.appendChild(el("tr", { dataset: { sessionId: s.id }, onClick: () => { window.location.hash = href; } },
          el("td", null, el("a", { href: href, className: "trace-name" }, s.id)),
          el("td", null, s.user || ""),
          el("td", null, formatTime(s.first_time)),
          el("td", null, formatTime(s.last_time)),
          el("td", { className: "num" }, formatCount(s.traces)),
          el("td", { className: "num" }, formatCount(s.llm_calls)),
          el("td", { className: "num" }, formatTokens(s.total_tokens)),
          el("td", { className: "num" }, formatCost(s.total_cost))));
      }
      $("session-count").textContent = result.total === 1 ? "1 session" : result.total + " sessions";
      setStatus("Updated " + new Date().toLocaleTimeString());
    } catch (error) {
      setStatus(error.message, true);
    }
  }

  async function loadSession(id) {
    try {
      const result = await api("/api/sessions/" + encodeURIComponent(id));
      if (state.view !== "session") return;
      const s = result.session;
      $("session-title").textContent = "Session " + s.id;
      $("session-meta").textContent = [s.user ? "user " + s.user : null, formatCount(s.traces) + " turns", formatTokens(s.total_tokens) + " tokens", formatCost(s.total_cost)].filter(Boolean).join(" · ");
      const list = $("turns");
      clear(list);
      result.turns.forEach((turn, index) => {
        const href = "#/trace/" + encodeURIComponent(turn.trace_id);
        const steps = turn.steps.map((step) => renderStep(turn, step));
        list.appendChild(el("li", { className: "turn", dataset: { traceId: turn.trace_id } },
          el("div", { className: "turn-head" }, el("span", { className: "turn-number" }, "Turn " + (index + 1)),
            el("a", { href: href, className: "trace-name" }, turn.name || "(unnamed)"), statusPill(turn.status),
            el("span", { className: "muted" }, formatTime(turn.start_time) + (turn.total_tokens != null ? " · " + formatTokens(turn.total_tokens) + " tokens" : "") + (turn.total_cost != null ? " · " + formatCost(turn.total_cost) : ""))),
          steps.length ? el("div", { className: "steps" }, steps) : el("p", { className: "muted" }, "No LLM call, tool or guardrail in this trace.")));
      });
      if (result.truncated) list.appendChild(el("li", { className: "muted" }, "Only the first turns are shown."));
      setStatus("Updated " + new Date().toLocaleTimeString());
    } catch (error) {
      $("session-title").textContent = error.status === 404 ? "Session not found" : "Could not load the session";
      setStatus(error.message, true);
    }
  }

  function renderStep(turn, step) {
    const link = "#/trace/" + encodeURIComponent(turn.trace_id) + "/span/" + encodeURIComponent(step.span_id);
    const head = el("div", { className: "step-head" }, badge(step.kind), el("a", { href: link }, step.name), step.model ? el("span", { className: "muted" }, step.model) : null, step.status === "error" ? statusPill("error") : null);
    const body = [];
    if (step.kind === "generation") {
      if (step.prompt != null) body.push(el("div", { className: "message role-user" }, el("div", { className: "message-role" }, "user"), el("pre", { className: "message-content step-prompt" }, step.prompt)));
      if (step.completion != null || step.tool_calls) {
        const answer = el("div", { className: "message role-assistant" }, el("div", { className: "message-role" }, "assistant"),
          el("pre", { className: "message-content step-completion" + (step.completion ? "" : " empty-content") }, step.completion || "(no text)"));
        for (const call of step.tool_calls || []) answer.appendChild(el("div", { className: "tool-call" }, "→ ", el("b", null, String(call.name || "")), el("pre", { className: "json" }, pretty(call.arguments))));
        body.push(answer);
      }
    } else if (step.kind === "tool") {
      body.push(el("div", { className: "tool-call" }, el("pre", { className: "json" }, "arguments: " + pretty(step.arguments)), el("pre", { className: "json" }, "result: " + pretty(step.result))));
    } else if (step.kind === "guardrail") {
      const failed = (step.results || []).filter((r) => !r.passed);
      body.push(el("div", { className: step.passed === false ? "error-box guardrail-block" : "muted" }, step.passed === false
        ? "Guardrail: " + failed.map((r) => String(r.policy || "") + " → " + String(r.action || "") + (r.reason ? " (" + r.reason + ")" : "")).join("; ")
        : "Guardrail passed"));
    } else if (step.kind === "handoff" && step.arguments) {
      body.push(el("p", null, String(step.arguments.from || "?") + " → " + String(step.arguments.to || "?") + (step.arguments.reason ? " · " + step.arguments.reason : "")));
    }
    return el("div", { className: "step", dataset: { kind: step.kind, spanId: step.span_id } }, head, body);
  }

  async function loadUsers() {
    try {
      const result = await api("/api/users?limit=200");
      if (state.view !== "users") return;
      const rows = $("user-rows");
      clear(rows);
      for (const u of result.data) {
        const href = "#/?user=" + encodeURIComponent(u.id);
        rows.appendChild(el("tr", { dataset: { user: u.id }, onClick: () => { window.location.hash = href; } },
          el("td", null, el("a", { href: href, className: "trace-name" }, u.id)),
          el("td", { className: "num" }, formatCount(u.traces)),
          el("td", { className: "num" }, formatCount(u.llm_calls)),
          el("td", { className: "num" }, formatTokens(u.total_tokens)),
          el("td", { className: "num" }, formatCost(u.total_cost)),
          el("td", { className: "num" }, formatCount(u.unpriced_calls)),
          el("td", null, formatTime(u.first_time)),
          el("td", null, formatTime(u.last_time))));
      }
      $("user-count").textContent = result.total === 1 ? "1 user" : result.total + " users";
      setStatus("Updated " + new Date().toLocaleTimeString());
    } catch (error) {
      setStatus(error.message, true);
    }
  }

  // ---- prompts ----------------------------------------------------------------------------------------------------------

  async function loadPrompts() {
    try {
      const versions = [];
      for (let page = 1; page <= 20; page++) {
        const result = await api("/v1/prompts?limit=100&page=" + page);
        versions.push(...result.data);
        if (versions.length >= result.total || result.data.length === 0) break;
      }
      const usage = await api("/api/stats/breakdown?by=prompt");
      if (state.view !== "prompts") return;
      renderPrompts(versions, usage.rows);
      setStatus("Updated " + new Date().toLocaleTimeString());
    } catch (error) {
      setStatus(error.message, true);
    }
  }

  function renderPrompts(versions, usage) {
    const names = [...new Set(versions.map((v) => v.name))].sort();
    $("prompt-count").textContent = names.length === 1 ? "1 prompt" : names.length + " prompts";
    if (!state.promptName || !names.includes(state.promptName)) state.promptName = names[0] || null;
    const list = $("prompt-names");
    clear(list);
    for (const name of names) {
      const count = versions.filter((v) => v.name === name).length;
      list.appendChild(el("li", null, el("button", { type: "button", className: "span-node" + (name === state.promptName ? " selected" : ""), dataset: { prompt: name },
        onClick: () => { state.promptName = name; state.compare = []; renderPrompts(versions, usage); } }, el("span", { className: "span-name" }, name), el("span", { className: "span-meta" }, count + (count === 1 ? " version" : " versions")))));
    }
    const mine = versions.filter((v) => v.name === state.promptName).sort((a, b) => b.version - a.version);
    const stats = (version) => usage.find((u) => u.prompt_name === state.promptName && u.prompt_version === version) || null;
    if (state.compare.length === 0) state.compare = mine.slice(0, 2).map((v) => v.version);
    const rows = $("version-rows");
    clear(rows);
    for (const v of mine) {
      const s = stats(v.version);
      const box = el("input", { type: "checkbox", dataset: { version: v.version }, "aria-label": "compare version " + v.version });
      box.checked = state.compare.includes(v.version);
      box.addEventListener("change", () => {
        state.compare = box.checked ? [v.version, ...state.compare.filter((x) => x !== v.version)].slice(0, 2) : state.compare.filter((x) => x !== v.version);
        renderPrompts(versions, usage);
      });
      rows.appendChild(el("tr", { dataset: { version: v.version } },
        el("td", null, el("a", { href: "#/?prompt=" + encodeURIComponent(v.name + "#" + v.version), className: "trace-name" }, "v" + v.version)),
        el("td", null, el("span", { className: "chips" }, (v.labels || []).map((l) => el("span", { className: "chip" }, l)))),
        el("td", null, v.commit_message || ""),
        el("td", null, formatTime(v.created_at)),
        el("td", { className: "num" }, s ? formatCount(s.calls) : "0"),
        el("td", { className: "num" }, s ? formatCount(s.total_tokens) : ""),
        el("td", { className: "num" }, s && s.cost != null ? formatCost(s.cost) : ""),
        el("td", { className: "num" }, s ? formatLatency(s.latency_avg) : ""),
        el("td", { className: "num" }, s ? formatLatency(s.latency_p95) : ""),
        el("td", null, box)));
    }
    const compare = $("compare");
    clear(compare);
    for (const version of [...state.compare].sort((a, b) => a - b)) {
      const v = mine.find((x) => x.version === version);
      if (!v) continue;
      const s = stats(version);
      const body = v.type === "chat" && Array.isArray(v.prompt)
        ? el("div", { className: "messages" }, v.prompt.map(renderMessage))
        : el("pre", { className: "message-content prompt-text" }, typeof v.prompt === "string" ? v.prompt : pretty(v.prompt));
      const facts = el("dl", { className: "facts" });
      const fact = (label, value) => { facts.appendChild(el("dt", null, label)); facts.appendChild(el("dd", null, value)); };
      fact("Labels", (v.labels || []).join(", ") || "–");
      fact("Commit", v.commit_message || "–");
      fact("Generations", s ? formatCount(s.calls) : "0");
      fact("Tokens", s ? formatCount(s.prompt_tokens) + " in · " + formatCount(s.completion_tokens) + " out" : "–");
      fact("Cost", s && s.cost != null ? formatCost(s.cost) + (s.calls ? " (" + formatCost(s.cost / Math.max(1, s.priced_calls)) + " per call)" : "") : "–");
      fact("Unpriced calls", s ? formatCount(s.unpriced_calls) : "0");
      fact("Latency", s ? "avg " + formatLatency(s.latency_avg) + " · p95 " + formatLatency(s.latency_p95) : "–");
      fact("Errors", s ? formatCount(s.errors) : "0");
      compare.appendChild(el("article", { className: "panel compare-col", dataset: { version: version } },
        el("h2", null, v.name + " v" + version), facts, body,
        el("a", { href: "#/?prompt=" + encodeURIComponent(v.name + "#" + version) }, "Traces made with v" + version + " →")));
    }
  }


  // ---- routing and refresh -----------------------------------------------------------------------------------

  function route() {
    const hash = window.location.hash || "#/";
    let match;
    if ((match = /^#\/trace\/([^/?#]+)(?:\/span\/([^/?#]+))?$/.exec(hash))) {
      const traceId = decodeURIComponent(match[1]);
      const spanId = match[2] ? decodeURIComponent(match[2]) : null;
      const sameTrace = state.traceId === traceId && state.view === "trace";
      state.traceId = traceId;
      if (spanId) state.selectedSpanId = spanId;
      else if (!sameTrace) state.selectedSpanId = null;
      show("trace");
      if (sameTrace && spanId && state.spans.has(spanId)) selectSpan(spanId, false);
      else loadTrace(traceId, false);
      return;
    }
    state.traceId = null;
    if (hash === "#/dashboard") { show("dashboard"); loadDashboard(); return; }
    if (hash === "#/sessions") { show("sessions"); loadSessions(); return; }
    if ((match = /^#\/session\/([^/?#]+)$/.exec(hash))) { show("session"); loadSession(decodeURIComponent(match[1])); return; }
    if (hash === "#/users") { show("users"); loadUsers(); return; }
    if (hash === "#/prompts") { show("prompts"); loadPrompts(); return; }
    const query = /^#\/\?(.*)$/.exec(hash);
    if (query) applyHashFilters(query[1]);
    show("traces");
    loadList();
  }

  function tick() {
    if (!$("filters").elements.refresh.checked || document.hidden) return;
    if (state.view === "trace" && state.traceId) loadTrace(state.traceId, true);
    else if (state.view === "traces") loadList();
    else if (state.view === "dashboard") loadDashboard();
  }

  function start() {
    const form = $("filters");
    form.addEventListener("submit", (event) => { event.preventDefault(); state.page = 1; loadList(); });
    form.addEventListener("change", (event) => {
      if (event.target.name === "refresh") return;
      state.page = 1;
      loadList();
    });
    let typing = null;
    form.addEventListener("input", (event) => {
      if (event.target.type !== "search") return;
      clearTimeout(typing);
      typing = setTimeout(() => { state.page = 1; loadList(); }, 300);
    });
    form.addEventListener("reset", () => setTimeout(() => { state.page = 1; loadList(); }, 0));
    $("newer").addEventListener("click", () => { if (state.page > 1) { state.page--; loadList(); } });
    $("older").addEventListener("click", () => { state.page++; loadList(); });
    const dashboard = $("dashboard-filters");
    dashboard.addEventListener("submit", (event) => { event.preventDefault(); loadDashboard(); });
    dashboard.addEventListener("change", () => loadDashboard());
    window.addEventListener("hashchange", route);
    state.timer = setInterval(tick, REFRESH_MS);
    route();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
