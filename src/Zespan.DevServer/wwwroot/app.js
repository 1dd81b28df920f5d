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

  const state = { page: 1, total: 0, timer: null, traceId: null, selectedSpanId: null, spans: new Map(), loading: false };

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

  // ---- trace list ---------------------------------------------------------------------------------------------

  function filterQuery() {
    const form = $("filters");
    const params = new URLSearchParams();
    for (const name of ["user", "model", "status"]) {
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

  // ---- one trace ------------------------------------------------------------------------------------------------

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
    for (const root of trace.spans) tree.appendChild(renderNode(root));
    if (!state.selectedSpanId || !state.spans.has(state.selectedSpanId)) {
      state.selectedSpanId = trace.spans.length > 0 ? trace.spans[0].span_id : null;
    }
    selectSpan(state.selectedSpanId);
  }

  function renderNode(span) {
    state.spans.set(span.span_id, span);
    const event = span.event || {};
    const meta = [event.model, formatLatency(span.latency)].filter(Boolean).join(" · ");
    const button = el("button", {
      type: "button",
      className: "span-node" + (span.status === "error" ? " error" : ""),
      dataset: { spanId: span.span_id, logType: logTypeClass(span.log_type) },
      onClick: () => selectSpan(span.span_id),
    }, badge(span.log_type), el("span", { className: "span-name" }, span.name || "(unnamed)"), el("span", { className: "span-meta" }, meta));
    const item = el("li", null, button);
    if (span.children && span.children.length > 0) {
      const list = el("ul");
      for (const child of span.children) list.appendChild(renderNode(child));
      item.appendChild(list);
    }
    return item;
  }

  function selectSpan(spanId) {
    state.selectedSpanId = spanId;
    for (const node of document.querySelectorAll(".span-node")) {
      node.classList.toggle("selected", node.dataset.spanId === spanId);
    }
    const detail = $("span-detail");
    clear(detail);
    const span = spanId ? state.spans.get(spanId) : null;
    if (span) renderSpanDetail(detail, span);
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
    fact("Cost", formatCost(e.cost));
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

  // ---- routing and refresh -----------------------------------------------------------------------------------

  function route() {
    const match = /^#\/trace\/([^/?#]+)$/.exec(window.location.hash);
    const listView = $("list-view");
    const traceView = $("trace-view");
    if (match) {
      const traceId = decodeURIComponent(match[1]);
      if (state.traceId !== traceId) state.selectedSpanId = null;
      state.traceId = traceId;
      listView.hidden = true;
      traceView.hidden = false;
      loadTrace(traceId, false);
    } else {
      state.traceId = null;
      traceView.hidden = true;
      listView.hidden = false;
      loadList();
    }
  }

  function tick() {
    if (!$("filters").elements.refresh.checked) return;
    if (state.traceId) loadTrace(state.traceId, true);
    else loadList();
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
    window.addEventListener("hashchange", route);
    state.timer = setInterval(tick, REFRESH_MS);
    route();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
