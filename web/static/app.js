// godwit console: hash-routed pages rendered from the native API (/api/v1), refreshed by
// polling every 2 s. No framework, no external resources. Elements the browser test reads
// carry ids or data-* attributes; action buttons carry data-action and exist only for admins.
"use strict";
(function () {
  const STEPS = ["TRANSFER_PRECHECK", "STRUCT_TRANSFER", "TRANSFER_INCR_LOG_PULL", "FULL_TRANSFER", "INDEX_TRANSFER",
    "INCR_TRANSFER", "FULL_VERIFIER", "TRANSFER_APP_SWITCH", "REVERSE_INCR_TRANSFER"];
  const main = document.getElementById("main");
  let me = { name: "", role: "readonly" };
  let timer = null;
  let pending = null; // the action waiting for the confirmation dialog

  const esc = (v) => String(v == null ? "" : v).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  const admin = () => me.role === "admin";
  const st = (s) => `<span class="st st-${esc(s)}">${esc(s)}</span>`;
  const fmt = (n) => (n == null ? "–" : Number(n).toLocaleString("en-US"));

  async function api(method, path, body) {
    const opt = { method, headers: { Accept: "application/json" }, credentials: "same-origin" };
    if (body !== undefined) { opt.headers["Content-Type"] = "application/json"; opt.body = JSON.stringify(body); }
    const r = await fetch(path, opt);
    const text = await r.text();
    const data = text ? JSON.parse(text) : null;
    if (!r.ok) {
      const e = (data && data.error) || { code: "HTTP " + r.status, message: text };
      throw new Error(`${e.code}: ${e.message}${e.advice ? " — " + e.advice : ""}`);
    }
    return data;
  }

  function toast(msg) {
    const t = document.getElementById("toast");
    t.textContent = msg; t.classList.remove("hidden");
    clearTimeout(toast.t); toast.t = setTimeout(() => t.classList.add("hidden"), 6000);
  }

  // confirm shows the dialog; fn runs on "Confirm".
  function confirmThen(text, fn) {
    pending = fn;
    document.getElementById("modal-text").textContent = text;
    document.getElementById("modal").classList.remove("hidden");
  }
  document.getElementById("confirm-no").onclick = () => { pending = null; document.getElementById("modal").classList.add("hidden"); };
  document.getElementById("confirm-yes").onclick = async () => {
    const fn = pending; pending = null;
    document.getElementById("modal").classList.add("hidden");
    if (fn) { try { await fn(); } catch (e) { toast(e.message); } }
  };

  function poll(fn) {
    clearInterval(timer);
    const run = () => fn().catch((e) => toast(e.message));
    run(); timer = setInterval(run, 2000);
  }

  // ---- projects list -------------------------------------------------------------------
  function listPage() {
    main.innerHTML = `<h1>Projects</h1>
      <div class="filters"><input id="f-search" placeholder="search name or id">
      <select id="f-status"><option value="">any status</option>${["INIT", "RUNNING", "SUSPEND", "FAILED", "FINISHED", "RELEASED"].map((s) => `<option>${s}</option>`).join("")}</select>
      <label><input type="checkbox" id="f-alarm"> alarming only</label></div>
      <table id="projects"><thead><tr><th>Name</th><th>Status</th><th>Current step</th><th>Delay (s)</th><th>Alarms</th><th>Created</th></tr></thead><tbody></tbody></table>`;
    const render = async () => {
      const q = new URLSearchParams({ size: "150" });
      const s = document.getElementById("f-search").value.trim(), status = document.getElementById("f-status").value;
      if (s) q.set("search", s);
      if (status) q.set("status", status);
      const l = await api("GET", "/api/v1/projects?" + q);
      const onlyAlarm = document.getElementById("f-alarm").checked;
      const rows = l.items.filter((p) => !onlyAlarm || (p.alarmStats && p.alarmStats.alarming)).map((p) => {
        const x = p.extraInfo || {}, a = p.alarmStats || {};
        return `<tr data-project="${esc(p.id)}"><td><a href="#/p/${encodeURIComponent(p.id)}">${esc(p.name)}</a><br><small class="muted">${esc(p.id)}</small></td>
          <td>${st(p.status)}</td><td>${esc(x.runningStep || "")}</td><td>${x.syncDelay == null ? "–" : esc(x.syncDelay)}</td>
          <td>${a.alarming ? `<span class="alarm">${esc(a.alarmContent || a.target)}</span>` : "–"}</td><td>${esc(p.gmtCreate)}</td></tr>`;
      });
      document.querySelector("#projects tbody").innerHTML = rows.join("") || `<tr><td colspan="6" class="muted">No projects.</td></tr>`;
    };
    ["f-search", "f-status", "f-alarm"].forEach((id) => document.getElementById(id).addEventListener("input", () => render().catch((e) => toast(e.message))));
    poll(render);
  }

  // ---- data sources ----------------------------------------------------------------------
  function dataSourcesPage() {
    main.innerHTML = `<h1>Data sources</h1><table id="ds"><thead><tr><th>Name</th><th>Type</th><th>Host</th><th>User</th><th>Version</th></tr></thead><tbody></tbody></table>
      ${admin() ? `<form id="ds-form"><fieldset><legend>New data source</legend>
        <label>Name <input name="name" required></label>
        <label>Type <select name="type"><option>MARIADB</option><option>MYSQL</option></select></label>
        <label>Host <input name="host" required></label><label>Port <input name="port" type="number" required></label>
        <label>User <input name="user" required></label><label>Password <input name="password" type="password"></label>
        <button class="primary" data-action="create-datasource">Create</button></fieldset></form>` : ""}`;
    const render = async () => {
      const l = await api("GET", "/api/v1/datasources?size=150");
      document.querySelector("#ds tbody").innerHTML = l.items.map((d) => `<tr><td>${esc(d.name)}</td><td>${esc(d.type)}</td><td>${esc(d.host)}:${esc(d.port)}</td><td>${esc(d.user)}</td><td>${esc(d.version)}</td></tr>`).join("");
    };
    const f = document.getElementById("ds-form");
    if (f) f.onsubmit = async (ev) => {
      ev.preventDefault();
      const v = Object.fromEntries(new FormData(f));
      v.port = Number(v.port);
      try { await api("POST", "/api/v1/datasources", v); f.reset(); toast("Data source created"); render(); } catch (e) { toast(e.message); }
    };
    clearInterval(timer); render().catch((e) => toast(e.message));
  }

  // ---- create project -----------------------------------------------------------------------
  async function newPage() {
    clearInterval(timer);
    if (!admin()) { main.innerHTML = `<p>Creating projects needs the admin role.</p>`; return; }
    const ds = (await api("GET", "/api/v1/datasources?size=150")).items;
    const opts = ds.map((d) => `<option value="${esc(d.id)}">${esc(d.name)} (${esc(d.host)}:${esc(d.port)})</option>`).join("");
    main.innerHTML = `<h1>New project</h1><form id="np"><fieldset><legend>Project</legend>
      <label>Name <input name="name" id="np-name" required pattern="[^ ]+"></label>
      <label>Type <select name="type"><option>MIGRATION</option><option>SYNC</option></select></label>
      <label>Source <select name="source" id="np-source">${opts}</select></label>
      <label>Target <select name="target" id="np-target">${opts}</select></label></fieldset>
      <fieldset><legend>Objects</legend>
      <label>Source database <input name="db" id="np-db" required></label>
      <label>Target database (empty = same name) <input name="mapped" id="np-mapped"></label>
      <label>Tables (comma-separated; empty = every table) <input name="tables" id="np-tables"></label></fieldset>
      <fieldset><legend>Steps</legend>
      <label><input type="checkbox" name="struct" checked> Schema migration</label>
      <label><input type="checkbox" name="full" checked> Full migration</label>
      <label><input type="checkbox" name="incr" id="np-incr" checked> Incremental synchronization</label>
      <label><input type="checkbox" name="verify" id="np-verify"> Full verification</label></fieldset>
      <button class="primary" id="np-create" data-action="create">Create</button></form>`;
    document.getElementById("np").onsubmit = async (ev) => {
      ev.preventDefault();
      const f = Object.fromEntries(new FormData(ev.target));
      const tables = (f.tables || "").split(",").map((s) => s.trim()).filter(Boolean).map((name) => ({ name }));
      const db = { name: f.db.trim(), mappedName: (f.mapped || "").trim() || undefined };
      if (tables.length) db.tables = tables;
      const body = { name: f.name.trim(), type: f.type, sourceEndpointId: f.source, sinkEndpointId: f.target,
        transferMapping: { mode: "SPECIFIC", databases: [db] },
        enableStructTransfer: !!f.struct, enableFullTransfer: !!f.full, enableIncrTransfer: !!f.incr, enableFullVerify: !!f.verify };
      try { const p = await api("POST", "/api/v1/projects", body); location.hash = "#/p/" + encodeURIComponent(p.id); } catch (e) { toast(e.message); }
    };
  }

  // ---- project page ---------------------------------------------------------------------------
  function chart(id, title, unit, pts) {
    const w = 400, h = 120;
    let body = `<text x="8" y="60" fill="#5b6875" font-size="12">no data yet</text>`;
    if (pts.length) {
      const t0 = pts[0].t, t1 = Math.max(pts[pts.length - 1].t, t0 + 1), vmax = Math.max(1e-9, ...pts.map((p) => p.v));
      const xy = pts.map((p) => `${((p.t - t0) / (t1 - t0) * (w - 10) + 5).toFixed(1)},${(h - 5 - p.v / vmax * (h - 20)).toFixed(1)}`).join(" ");
      body = `<polyline points="${xy}"/><text x="6" y="12" fill="#5b6875" font-size="11">max ${fmt(Math.round(vmax * 100) / 100)} ${esc(unit)}</text>`;
    }
    const last = pts.length ? pts[pts.length - 1].v : null;
    return `<div class="chart" id="${id}" data-points="${pts.length}"><div class="label">${esc(title)}: <b class="last">${last == null ? "–" : fmt(Math.round(last * 100) / 100)}</b> ${esc(unit)}</div>
      <svg viewBox="0 0 ${w} ${h}" preserveAspectRatio="none">${body}</svg></div>`;
  }

  function actionButtons(p) {
    if (!admin()) return "";
    const s = p.status, b = (act, label, ok, cls) => `<button data-action="${act}" class="${cls || ""}" ${ok ? "" : "disabled"}>${label}</button>`;
    return b("start", "Start", s === "INIT", "primary") + b("stop", "Stop", s === "RUNNING") + b("resume", "Resume", s === "SUSPEND" || s === "FAILED") +
      b("release", "Release", ["SUSPEND", "FAILED", "FINISHED"].includes(s)) + b("delete", "Delete", s === "INIT" || s === "RELEASED", "danger") +
      // SWITCHOVER: the forward-switchover action goes here once the service offers it
      // (TRANSFER_APP_SWITCH); another change adds the button and its confirmation.
      `<span class="placeholder" id="switchover-slot">switchover: coming</span>`;
  }

  function projectPage(id) {
    main.innerHTML = `<div id="project"><p>Loading…</p></div>`;
    const el = document.getElementById("project");
    let built = false;
    const render = async () => {
      const path = "/api/v1/projects/" + encodeURIComponent(id);
      const p = await api("GET", path);
      const [tables, logs, pre] = await Promise.all([
        api("GET", path + "/tables?step=FULL_TRANSFER").catch(() => ({ items: [] })),
        api("GET", path + "/logs?size=50").catch(() => ({ items: [] })),
        api("GET", path + "/precheck").catch(() => ({ items: [] }))]);
      const series = async (step, metric) => (await api("GET", `${path}/metrics?step=${step}&metric=${metric}&points=120`).catch(() => ({ points: [] }))).points;
      const [fullRps, incrRps, incrDelay, verifyRps] = await Promise.all([series("FULL_TRANSFER", "RPS"), series("INCR_TRANSFER", "RPS"),
        series("INCR_TRANSFER", "DELAY"), series("FULL_VERIFIER", "FULL_VERIFY_SOURCE_RPS")]);
      let incr = null, run = null, vtables = [], diffs = [];
      if (p.enableIncrTransfer) incr = await api("GET", path + "/incr").catch(() => null);
      if (p.enableFullVerify || p.enableIncrVerify) {
        run = await api("GET", path + "/verify/runs/latest").catch(() => null);
        if (run) {
          vtables = (await api("GET", `${path}/verify/runs/${run.id}/tables?size=200`).catch(() => ({ items: [] }))).items;
          diffs = (await api("GET", `${path}/verify/runs/${run.id}/diffs?size=100`).catch(() => ({ items: [] }))).items;
        }
      }
      const byName = Object.fromEntries((p.steps || []).map((s) => [s.name, s]));
      const x = p.extraInfo || {}, a = p.alarmStats || {};
      const timeline = STEPS.map((n) => {
        const s = byName[n];
        if (!s) return `<div class="step off" data-step="${n}"><span class="name">${n}</span><span class="st-status muted">not enabled</span></div>`;
        const info = s.stepInfo || {};
        const err = s.extraInfo && s.extraInfo.errorCode ? `<div class="alarm">${esc(s.extraInfo.errorCode)}: ${esc(s.extraInfo.errorMsg)}</div>` : "";
        return `<div class="step" data-step="${n}"><span class="name">${esc(s.description || n)}</span>
          <span class="st-status">${st(s.status)}</span><div class="bar"><span style="width:${Number(s.progress) || 0}%"></span></div>
          <span class="progress">${esc(s.progress)}%</span>${info.processedRecords != null ? ` · <span class="rows">${fmt(info.processedRecords)}</span> rows` : ""}
          <div class="muted">${esc(s.startTime || "")}${s.finishTime ? " → " + esc(s.finishTime) : ""}</div>${err}</div>`;
      }).join("");
      const tableRows = tables.items.map((t) => `<tr data-table="${esc(t.table)}"><td>${esc(t.table)}</td><td>${esc(t.target)}</td><td>${st(t.status)}</td>
        <td class="done">${fmt(t.done)}</td><td>${fmt(t.capacity)}</td><td>${t.capacity ? Math.min(100, Math.round(t.done / t.capacity * 100)) : 0}%</td></tr>`).join("");
      const preRows = pre.items.map((i) => `<tr><td>${esc(i.name)}</td><td>${esc(i.endpointType)}</td><td>${st(i.status)}</td><td>${esc(i.message)}</td><td>${esc(i.advice)}</td></tr>`).join("");
      const vRows = vtables.map((t) => `<tr><td>${esc(t.table)}</td><td>${st(t.result || t.status)}</td><td>${fmt(t.sourceRows)}</td><td>${fmt(t.targetRows)}</td>
        <td>${fmt(t.onlyInSource)}</td><td>${fmt(t.onlyInTarget)}</td><td>${fmt(t.different)}</td></tr>`).join("");
      const dRows = diffs.map((d) => `<tr class="diff"><td>${esc(d.table)}</td><td>${esc(d.kind)}</td><td>${esc(d.key)}${d.columns && d.columns.length ? "<br><small>" + esc(d.columns.join(", ")) + "</small>" : ""}</td>
        <td><code>${esc(d.sourceSql)}</code></td><td><code>${esc(d.targetSql)}</code></td><td><code>${esc(d.fixSql)}</code></td></tr>`).join("");
      const logRows = logs.items.map((l) => `<tr class="lvl-${esc(l.level)}"><td>${esc(l.time)}</td><td>${esc(l.level)}</td><td>${esc(l.step)}</td><td>${esc(l.message)}</td></tr>`).join("");
      el.innerHTML = `<h1><span id="project-name">${esc(p.name)}</span> ${`<span id="project-status">${st(p.status)}</span>`}</h1>
        <div class="card"><div class="actions" id="actions">${actionButtons(p)}</div>
        <p class="muted">${esc(p.id)} · ${esc(p.type)} · source ${esc(p.sourceEndpointId)} → target ${esc(p.sinkEndpointId)}</p>
        <p>Current step: <b id="running-step">${esc(x.runningStep || "–")}</b> · Sync delay: <b id="sync-delay">${x.syncDelay == null ? "–" : esc(x.syncDelay)}</b> s
        ${incr ? ` · Incremental: <b id="incr-phase">${esc(incr.phase)}</b>, applied <b id="incr-rows">${fmt(incr.rowsApplied)}</b> rows, ${fmt(incr.eventsPerSec)}/s` : ""}</p>
        ${a.alarming ? `<p class="alarm" id="alarm">Alarm: ${esc(a.alarmContent || a.target)}</p>` : ""}</div>
        <h2>Steps</h2><div class="timeline" id="timeline">${timeline}</div>
        <h2>Throughput and delay</h2><div class="charts">${chart("chart-full-rps", "Full copy", "rows/s", fullRps)}${chart("chart-incr-rps", "Incremental apply", "rows/s", incrRps)}
          ${chart("chart-incr-delay", "Incremental delay", "s", incrDelay)}${chart("chart-verify-rps", "Verification (source)", "rows/s", verifyRps)}</div>
        <h2>Tables (full copy)</h2><table id="tables"><thead><tr><th>Source</th><th>Target</th><th>Status</th><th>Rows done</th><th>Rows (est.)</th><th>%</th></tr></thead><tbody>${tableRows}</tbody></table>
        <h2>Precheck</h2><table id="precheck"><thead><tr><th>Item</th><th>Side</th><th>Result</th><th>Message</th><th>Advice</th></tr></thead><tbody>${preRows}</tbody></table>
        <h2>Verification</h2>${run ? `<p id="verify-run">Run ${esc(run.id)} (${esc(run.kind)}): ${st(run.result || run.status)} · ${fmt(run.diffs)} differences</p>
          <table id="verify-tables"><thead><tr><th>Table</th><th>Result</th><th>Source rows</th><th>Target rows</th><th>Only in source</th><th>Only in target</th><th>Different</th></tr></thead><tbody>${vRows}</tbody></table>
          ${diffs.length ? `<table id="diffs"><thead><tr><th>Table</th><th>Kind</th><th>Key</th><th>Source SELECT</th><th>Target SELECT</th><th>Correction SQL</th></tr></thead><tbody>${dRows}</tbody></table>` : ""}` : `<p class="muted">No verification run.</p>`}
        <h2>Log</h2><table id="log"><thead><tr><th>Time</th><th>Level</th><th>Step</th><th>Message</th></tr></thead><tbody>${logRows}</tbody></table>`;
      el.querySelectorAll("[data-action]").forEach((btn) => {
        btn.onclick = () => {
          const act = btn.dataset.action;
          confirmThen(`${act[0].toUpperCase() + act.slice(1)} project ${p.name}?`, async () => {
            if (act === "delete") { await api("DELETE", path); location.hash = "#/"; return; }
            await api("POST", `${path}/${act}`); toast(`${act}: accepted`); render();
          });
        };
      });
      built = true;
    };
    poll(render);
    return built;
  }

  function route() {
    const h = location.hash || "#/";
    if (h.startsWith("#/p/")) return projectPage(decodeURIComponent(h.slice(4)));
    if (h === "#/new") return newPage().catch((e) => toast(e.message));
    if (h === "#/datasources") return dataSourcesPage();
    return listPage();
  }

  window.addEventListener("hashchange", route);
  api("GET", "/api/v1/me").then((m) => { me = m; }).catch(() => {}).finally(() => {
    document.getElementById("me").textContent = `${me.name} (${me.role})`;
    document.body.dataset.role = me.role;
    if (!admin()) document.querySelectorAll(".admin-only").forEach((e) => e.remove());
    route();
  });
})();
