// The web view's page: plain HTML, CSS and a small script, served as one document (no framework,
// nothing fetched from elsewhere). States are always written out: colour and borders only repeat
// them. Wave states carry the same names, labels and point-of-no-return marks as the terminal's
// live view (the lifecycle table comes from /api/run). The script must not contain backquotes
// or dollar-brace: it lives in a template string.

const STYLE = `
:root { font-family: system-ui, sans-serif; color: #1b1b1b; background: #fafafa; }
body { margin: 0 auto; max-width: 76rem; padding: 1rem; }
h1 { font-size: 1.4rem; margin: 0 0 .25rem; }
h2 { font-size: 1.1rem; margin: 0 0 .5rem; }
header p { margin: .2rem 0; }
section { background: #fff; border: 1px solid #ccc; border-radius: 6px; padding: .75rem 1rem; margin-bottom: 1rem; }
ol.timeline { list-style: none; display: flex; flex-wrap: wrap; gap: .5rem; padding: 0; margin: 0; }
ol.timeline > li { border: 2px solid #888; border-radius: 6px; padding: .5rem .75rem; min-width: 14rem; flex: 1; }
ol.timeline > li[data-status="running"] { border-color: #1565c0; border-style: dashed; }
ol.timeline > li[data-status="waiting for approval"] { border-color: #b26a00; border-width: 3px; }
ol.timeline > li[data-status="completed"] { border-color: #2e7d32; }
ol.timeline > li[data-status="backing out"], ol.timeline > li[data-status="backed-out"],
ol.timeline > li[data-status="backout-failed"], ol.timeline > li[data-status="needs-attention"],
ol.timeline > li[data-status="aborted"], ol.timeline > li[data-status="precheck-failed"] { border-color: #c62828; border-style: double; border-width: 4px; }
.wave-name { font-weight: bold; }
.status { font-weight: bold; text-transform: uppercase; font-size: .8rem; }
.pnr { font-size: .85rem; margin-top: .25rem; }
.pnr[data-past="true"] { font-weight: bold; }
ol.steps { font-size: .8rem; margin: .4rem 0 0; padding-left: 1.2rem; max-height: 10rem; overflow: auto; }
ol.steps li[data-pnr="true"] { font-weight: bold; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { text-align: left; border-bottom: 1px solid #ddd; padding: .25rem .5rem; vertical-align: top; }
td.pass { color: #2e7d32; } td.warn { color: #8a5a00; } td.fail { color: #c62828; }
code.data { font-size: .75rem; white-space: pre-wrap; word-break: break-all; }
#approval { border: 3px solid #b26a00; }
#approval ul { margin: .25rem 0; }
#approval .irreversible { font-weight: bold; }
[hidden] { display: none !important; }
label { display: block; margin: .5rem 0 .2rem; font-weight: bold; }
input { font-size: 1rem; padding: .3rem; }
button, a.button { font-size: 1rem; padding: .4rem .9rem; margin: .5rem .5rem 0 0; cursor: pointer; }
:focus-visible { outline: 3px solid #1565c0; outline-offset: 2px; }
#message:not(:empty) { padding: .5rem; border-left: 4px solid #1565c0; background: #eef; margin-bottom: 1rem; }
#rto[data-over="true"] { color: #c62828; font-weight: bold; }
.log { max-height: 16rem; overflow: auto; }
`;

export const PAGE_SCRIPT = `
(function () {
  'use strict';
  var token = new URLSearchParams(location.search).get('token') || '';
  var q = '?token=' + encodeURIComponent(token);
  var $ = function (id) { return document.getElementById(id); };
  var run = null;
  var lifecycle = {};
  var waves = {};
  var serverPhase = {}, reversedOf = {};
  var startedAt = null, lastAt = null, clockAt = null, finishedAt = null, finished = null;
  var lastSeq = 0;
  // Every seq the stream delivered, in order: a duplicate or a gap shows here (the browser test reads it).
  var seen = window.drsFailbackSeen = [];

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function fmt(ms) {
    var s = Math.max(0, Math.round(ms / 1000));
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
    return (h ? h + 'h ' : '') + (h || m ? m + 'm ' : '') + (s % 60) + 's';
  }
  // The lifecycle state a path lies in (the path itself or its nearest labelled ancestor).
  function stateInfo(path) {
    var parts = (path || '').split('.');
    for (var n = parts.length; n > 0; n--) {
      var info = lifecycle[parts.slice(0, n).join('.')];
      if (info) return info;
    }
    return null;
  }
  function waveStatus(w) {
    if (w.outcome) return w.outcome;
    var info = stateInfo(w.state);
    if (info && info.final && info.outcome) return info.outcome;
    if (w.waiting) return 'waiting for approval';
    if (info && info.backout) return 'backing out';
    if (!w.state) return 'not started';
    return 'running';
  }
  function pnrText(w, status) {
    if (w.crossed) return '\u25B2 past the point of no return';
    if (w.outcome || (stateInfo(w.state) || {}).final) return '\u25A0 ended before the point of no return: nothing changed';
    return '\u25B3 before the point of no return';
  }
  function stateText(path) {
    var info = stateInfo(path);
    return path ? path + (info ? ' (' + info.label + ')' : '') : 'not started';
  }
  function renderWaves() {
    var ol = $('waves');
    ol.textContent = '';
    run.plan.waves.forEach(function (pw, i) {
      var w = waves[pw.name];
      var status = waveStatus(w);
      var li = el('li', { 'data-wave': pw.name, 'data-status': status });
      li.appendChild(el('div', { 'class': 'wave-name' }, (i + 1) + '. Wave ' + pw.name + ' (' + pw.servers.length + ' server(s))'));
      li.appendChild(el('div', { 'class': 'status' }, status));
      li.appendChild(el('div', { 'class': 'state' }, 'state: ' + stateText(w.state)));
      li.appendChild(el('div', { 'class': 'pnr', 'data-past': String(!!w.crossed) }, pnrText(w, status)));
      w.answers.forEach(function (a) { li.appendChild(el('div', { 'class': 'answer' }, a)); });
      if (w.steps.length) {
        var steps = el('ol', { 'class': 'steps', 'aria-label': 'states of wave ' + pw.name });
        w.steps.forEach(function (s) {
          steps.appendChild(el('li', s.pnr ? { 'data-pnr': 'true' } : {}, '+' + fmt(s.atMs) + ' ' + stateText(s.to) + (s.pnr ? ' \u25B2 point of no return crossed' : '')));
        });
        li.appendChild(steps);
      }
      ol.appendChild(li);
    });
    var tb = $('servers');
    tb.textContent = '';
    run.plan.waves.forEach(function (pw) {
      pw.servers.forEach(function (s) {
        var tr = el('tr');
        tr.appendChild(el('td', {}, s));
        tr.appendChild(el('td', {}, pw.name));
        tr.appendChild(el('td', {}, serverPhase[s] || 'waiting'));
        tr.appendChild(el('td', {}, stateText(waves[pw.name].state)));
        tb.appendChild(tr);
      });
    });
  }
  function renderClock() {
    if (!startedAt) return;
    var now = finishedAt || Math.max(lastAt || 0, clockAt || 0);
    var elapsed = now - startedAt;
    var rto = run.plan.rtoMs;
    var r = $('rto');
    r.textContent = 'RTO clock: ' + fmt(elapsed) + ' elapsed of ' + fmt(rto) + ' \u2014 ' +
      (elapsed > rto ? 'EXCEEDED by ' + fmt(elapsed - rto) : fmt(rto - elapsed) + ' left') + (finished ? ' (run ended)' : '');
    r.setAttribute('data-over', String(elapsed > rto));
  }
  function addRow(id, cells, cls) {
    var tr = el('tr');
    cells.forEach(function (c, i) { tr.appendChild(el('td', i === 0 && cls ? { 'class': cls } : {}, c)); });
    $(id).appendChild(tr);
    return tr;
  }
  function refreshPending() {
    return fetch('/api/run' + q).then(function (r) { return r.json(); }).then(function (data) {
      run.pending = data.pending;
      renderApproval();
    });
  }
  function renderApproval() {
    var box = $('approval');
    var p = run.pending;
    var waiting = Object.keys(waves).filter(function (n) { return waves[n].waiting; });
    $('readonly-approval').hidden = run.canApprove || waiting.length === 0 || !!finished;
    $('readonly-wave').textContent = waiting.join(', ');
    if (!p || !run.canApprove) { box.hidden = true; box.removeAttribute('data-wave'); return; }
    var key = p.wave + ' ' + p.kind;
    var fresh = box.getAttribute('data-wave') !== key;
    box.hidden = false;
    box.setAttribute('data-wave', key);
    $('approval-title').textContent = 'Approval needed: ' + p.title;
    var calls = $('approval-calls');
    calls.textContent = '';
    p.calls.forEach(function (c) { calls.appendChild(el('li', {}, c)); });
    $('approval-servers').textContent = p.servers.join(', ') + ' (region ' + p.region + ')';
    $('approval-irreversible').hidden = !p.irreversible;
    $('approval-expires').textContent = p.expiresAt ? 'Expires unanswered at ' + p.expiresAt + ': the wave then ends, nothing changed.' : '';
    $('confirm-word').textContent = p.confirmWord;
    if (fresh) {
      $('confirm').value = '';
      ($('approver').value ? $('confirm') : $('approver')).focus();
    }
  }
  function answer(kind) {
    var p = run.pending;
    if (!p) return;
    fetch('/api/approval', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-DRS-Failback-Token': token },
      body: JSON.stringify({ wave: p.wave, kind: p.kind, answer: kind, approver: $('approver').value, confirm: $('confirm').value })
    }).then(function (r) { return r.json(); }).then(function (res) {
      $('message').textContent = res.message;
      return refreshPending();
    }).catch(function (err) {
      $('message').textContent = 'Not confirmed: drs-failback did not answer (' + err + '); the Approvals list shows what was recorded.';
    });
  }
  function handle(e) {
    seen.push(e.seq);
    if (e.seq <= lastSeq) return;
    lastSeq = e.seq;
    lastAt = Date.parse(e.at);
    var w = e.wave ? waves[e.wave] : null;
    switch (e.type) {
      case 'run.started': if (!startedAt) startedAt = lastAt; break;
      case 'state':
        if (e.machine === 'wave' && w) {
          var info = stateInfo(e.to);
          var pnr = !!(info && info.pastPointOfNoReturn) && !w.crossed;
          if (pnr) w.crossed = true;
          w.state = e.to;
          if (info && info.final) w.waiting = false;
          w.steps.push({ to: e.to, atMs: lastAt - (startedAt || lastAt), pnr: pnr });
          if (run.pending && run.pending.wave === e.wave) refreshPending();
        }
        if (e.machine === 'plan') $('plan-state').textContent = e.to;
        break;
      case 'check': {
        var tr = addRow('checks', [e.status === 'pass' ? '\u2714 pass' : e.status === 'warn' ? '\u26A0 warn' : '\u2716 FAIL', e.wave, e.server, e.name, e.detail], e.status);
        tr.appendChild(el('td', {})).appendChild(el('code', { 'class': 'data' }, e.data ? JSON.stringify(e.data) : ''));
        if (e.name === 'reverse-replication' && e.data && e.data.reversedSourceServerId) reversedOf[e.data.reversedSourceServerId] = e.server;
        break;
      }
      case 'approval.requested':
        if (w) w.waiting = true;
        addRow('answers', [e.at, e.wave, 'requested: ' + e.pointOfNoReturn, '', '']);
        if (run.canApprove) refreshPending();
        break;
      case 'approval.given':
      case 'approval.refused': {
        var verb = e.type === 'approval.given' ? 'approved' : 'refused';
        if (w) { w.waiting = false; w.answers.push(verb + ' by ' + (e.approver || e.by) + (e.via ? ' (' + e.via + ')' : '')); }
        addRow('answers', [e.at, e.wave, verb, e.approver || e.by, e.via || '']);
        if (run.pending && run.pending.wave === e.wave) run.pending = null;
        break;
      }
      case 'job.log':
        addRow('joblog', [e.logDateTime, e.wave, e.server || '', e.event, e.jobId]);
        if (e.server) serverPhase[reversedOf[e.server] || e.server] = e.event;
        break;
      case 'notification':
        addRow('notifications', [e.at, e.subject, e.error ? 'NOT SENT: ' + e.error : 'sent ' + (e.messageId || '')]);
        break;
      case 'run.finished':
        finished = e.outcome;
        finishedAt = lastAt;
        e.waves.forEach(function (x) { if (waves[x.name]) { waves[x.name].outcome = x.outcome; waves[x.name].waiting = false; } });
        $('outcome').hidden = false;
        $('outcome-text').textContent = 'Run ' + e.outcome + ': ' + e.waves.map(function (x) { return x.name + ' ' + x.outcome; }).join(', ');
        $('outcome-reason').textContent = e.reason ? 'Reason: ' + e.reason : '';
        run.pending = null;
        break;
    }
    $('last-seq').textContent = String(lastSeq);
    renderApproval();
    renderWaves();
    renderClock();
  }
  function start() {
    fetch('/api/run' + q).then(function (r) { return r.json(); }).then(function (data) {
      run = data;
      data.lifecycle.forEach(function (s) { lifecycle[s.path] = s; });
      run.plan.waves.forEach(function (w) { waves[w.name] = { state: null, steps: [], answers: [] }; });
      if (data.now) clockAt = Date.parse(data.now);
      $('title').textContent = 'Failback ' + data.plan.name + ' \u2014 run ' + data.runId;
      $('region').textContent = data.plan.region;
      $('objectives').textContent = 'RPO ' + fmt(data.plan.rpoMs) + ', RTO ' + fmt(data.plan.rtoMs) + ', approval ' + data.plan.approval;
      $('mode').textContent = data.canApprove ? 'approvals can be given here' : 'read-only view: approvals are given where the run is driven';
      $('report-md').href = '/report.md' + q;
      $('report-json').href = '/report.json' + q;
      renderWaves();
      renderApproval();
      var es = new EventSource('/api/events' + q);
      es.addEventListener('run', function (m) { handle(JSON.parse(m.data)); });
      es.addEventListener('clock', function (m) { clockAt = Date.parse(JSON.parse(m.data).now); renderClock(); });
      es.onopen = function () { $('conn').textContent = 'connected'; };
      es.onerror = function () { $('conn').textContent = 'reconnecting\u2026 (resumes after event ' + lastSeq + ')'; };
    });
    $('refuse').addEventListener('click', function () { answer('refuse'); });
    $('approval-form').addEventListener('submit', function (ev) { ev.preventDefault(); answer('approve'); });
  }
  start();
})();
`;

export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>drs-failback live view</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1 id="title">drs-failback</h1>
<p>Region <strong id="region"></strong> &middot; <span id="objectives"></span> &middot; plan state <strong id="plan-state">starting</strong></p>
<p>Stream <span id="conn" role="status">connecting</span> (last event <span id="last-seq">0</span>) &middot; <span id="mode"></span></p>
<p id="rto" role="timer" aria-live="off"></p>
</header>
<main>
<div id="message" role="alert"></div>
<section id="approval" hidden aria-labelledby="approval-title">
<h2 id="approval-title">Approval needed</h2>
<p><strong>Approving lets through:</strong></p>
<ul id="approval-calls"></ul>
<p><strong>Servers:</strong> <span id="approval-servers"></span></p>
<p id="approval-irreversible" class="irreversible">This cannot be undone.</p>
<p id="approval-expires"></p>
<form id="approval-form">
<label for="approver">Your name (recorded with the answer)</label>
<input id="approver" name="approver" autocomplete="name" required>
<label for="confirm">To approve, type <code id="confirm-word"></code></label>
<input id="confirm" name="confirm" autocomplete="off" spellcheck="false">
<div><button type="submit" id="approve">Approve</button><button type="button" id="refuse">Refuse (nothing changes)</button></div>
</form>
</section>
<section id="readonly-approval" hidden><h2>Waiting for approval</h2>
<p>Wave <strong id="readonly-wave"></strong> waits for a person. Answer where the run is driven (its terminal or its own <code>--web</code> page).</p></section>
<section id="outcome" hidden aria-labelledby="h-outcome"><h2 id="h-outcome">Outcome</h2>
<p id="outcome-text" role="status"></p>
<p id="outcome-reason"></p>
<p><a class="button" id="report-md" download>Report (Markdown)</a> <a class="button" id="report-json" download>Report (JSON)</a></p></section>
<section aria-labelledby="h-waves"><h2 id="h-waves">Waves</h2><ol class="timeline" id="waves"></ol></section>
<section aria-labelledby="h-servers"><h2 id="h-servers">Servers by phase</h2>
<table><thead><tr><th>Server</th><th>Wave</th><th>Phase (last job log event)</th><th>Wave state</th></tr></thead><tbody id="servers"></tbody></table></section>
<section aria-labelledby="h-checks"><h2 id="h-checks">Prechecks</h2><div class="log">
<table><thead><tr><th>Result</th><th>Wave</th><th>Server</th><th>Check</th><th>Detail</th><th>Data</th></tr></thead><tbody id="checks"></tbody></table></div></section>
<section aria-labelledby="h-answers"><h2 id="h-answers">Approvals</h2>
<table><thead><tr><th>At</th><th>Wave</th><th>Answer</th><th>Approver</th><th>Via</th></tr></thead><tbody id="answers"></tbody></table></section>
<section aria-labelledby="h-joblog"><h2 id="h-joblog">Job log</h2><div class="log">
<table><thead><tr><th>Time</th><th>Wave</th><th>Server</th><th>Event</th><th>Job</th></tr></thead><tbody id="joblog"></tbody></table></div></section>
<section aria-labelledby="h-notifications"><h2 id="h-notifications">Notifications</h2>
<table><thead><tr><th>At</th><th>Subject</th><th>Result</th></tr></thead><tbody id="notifications"></tbody></table></section>
</main>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
