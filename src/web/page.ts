// The web view's page: plain HTML, CSS and a small script, served as one document (no framework,
// nothing fetched from elsewhere). States are always written out: colour only repeats them.
// The script must not contain backquotes or dollar-brace: it lives in a template string.

const STYLE = `
:root { font-family: system-ui, sans-serif; color: #1b1b1b; background: #fafafa; }
body { margin: 0 auto; max-width: 72rem; padding: 1rem; }
h1 { font-size: 1.4rem; margin: 0 0 .25rem; }
h2 { font-size: 1.1rem; margin: 1.25rem 0 .5rem; }
section { background: #fff; border: 1px solid #ccc; border-radius: 6px; padding: .75rem 1rem; margin-bottom: 1rem; }
ol.timeline { list-style: none; display: flex; flex-wrap: wrap; gap: .5rem; padding: 0; margin: 0; }
ol.timeline li { border: 2px solid #888; border-radius: 6px; padding: .5rem .75rem; min-width: 12rem; }
li[data-status="running"] { border-color: #1565c0; border-style: dashed; }
li[data-status="waiting"] { border-color: #b26a00; border-width: 3px; }
li[data-status="completed"] { border-color: #2e7d32; }
li[data-status="failed"], li[data-status="aborted"], li[data-status="backed-out"] { border-color: #c62828; border-style: double; border-width: 4px; }
.status { font-weight: bold; text-transform: uppercase; font-size: .8rem; }
.pnr { font-size: .85rem; margin-top: .25rem; }
.pnr.past { font-weight: bold; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { text-align: left; border-bottom: 1px solid #ddd; padding: .25rem .5rem; vertical-align: top; }
td.pass::before { content: "\\2714  "; } td.warn::before { content: "\\26A0  "; } td.fail::before { content: "\\2716  "; }
td.pass { color: #2e7d32; } td.warn { color: #8a5a00; } td.fail { color: #c62828; }
pre { white-space: pre-wrap; margin: 0; font-size: .8rem; }
#approval { border: 3px solid #b26a00; }
#approval[hidden] { display: none; }
label { display: block; margin: .5rem 0 .2rem; font-weight: bold; }
input { font-size: 1rem; padding: .3rem; }
button, a.button { font-size: 1rem; padding: .4rem .9rem; margin: .5rem .5rem 0 0; cursor: pointer; }
:focus-visible { outline: 3px solid #1565c0; outline-offset: 2px; }
#message:not(:empty) { padding: .5rem; border-left: 4px solid #1565c0; background: #eef; }
#rto[data-over="true"] { color: #c62828; font-weight: bold; }
.log { max-height: 16rem; overflow: auto; }
`;

const SCRIPT = `
(function () {
  'use strict';
  var token = new URLSearchParams(location.search).get('token') || '';
  var $ = function (id) { return document.getElementById(id); };
  var run = null;
  var waves = {};
  var startedAt = null, lastAt = null, finished = null;
  var lastSeq = 0;

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function fmt(ms) {
    var s = Math.max(0, Math.round(ms / 1000));
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
    return (h ? h + 'h ' : '') + m + 'm ' + (s % 60) + 's';
  }
  function waveStatus(w) {
    if (w.outcome) return w.outcome;
    if (w.waiting) return 'waiting';
    if (!w.state) return 'pending';
    return 'running';
  }
  function renderWaves() {
    var ol = $('waves');
    ol.textContent = '';
    run.plan.waves.forEach(function (pw) {
      var w = waves[pw.name];
      var status = waveStatus(w);
      var li = el('li', { 'data-wave': pw.name, 'data-status': status });
      li.appendChild(el('div', {}, 'Wave ' + pw.name));
      li.appendChild(el('div', { 'class': 'status' }, status));
      li.appendChild(el('div', {}, 'state: ' + (w.state || 'not started')));
      var pnr = el('div', { 'class': 'pnr' + (w.approved ? ' past' : '') },
        w.approved ? '\\u25B2 past the point of no return (approved by ' + w.approved + ')'
          : w.refused ? '\\u25A0 refused by ' + w.refused + ': point of no return not crossed'
          : '\\u25B3 point of no return ahead');
      li.appendChild(pnr);
      ol.appendChild(li);
    });
    var tb = $('servers');
    tb.textContent = '';
    run.plan.waves.forEach(function (pw) {
      pw.servers.forEach(function (s) {
        var tr = el('tr');
        tr.appendChild(el('td', {}, s));
        tr.appendChild(el('td', {}, pw.name));
        tr.appendChild(el('td', {}, waves[pw.name].state || 'not started'));
        tb.appendChild(tr);
      });
    });
  }
  function renderClock() {
    if (!startedAt) return;
    var elapsed = Date.parse(lastAt) - Date.parse(startedAt);
    var over = elapsed > run.plan.rtoMs;
    var r = $('rto');
    r.textContent = 'Elapsed ' + fmt(elapsed) + ' of RTO ' + fmt(run.plan.rtoMs) + (over ? ' \\u2014 OVER the RTO' : ' \\u2014 within the RTO') + (finished ? ' (run ended)' : '');
    r.setAttribute('data-over', String(over));
  }
  function addRow(id, cells, cls) {
    var tr = el('tr');
    cells.forEach(function (c, i) { tr.appendChild(el('td', i === 0 && cls ? { 'class': cls } : {}, c)); });
    $(id).appendChild(tr);
  }
  function refreshPending() {
    return fetch('/api/run?token=' + encodeURIComponent(token)).then(function (r) { return r.json(); }).then(function (data) {
      run.pending = data.pending;
      renderApproval();
    });
  }
  function renderApproval() {
    var box = $('approval');
    var p = run.pending;
    if (!p || !run.canApprove) { box.hidden = true; return; }
    var fresh = box.getAttribute('data-wave') !== p.wave;
    box.hidden = false;
    box.setAttribute('data-wave', p.wave);
    $('approval-title').textContent = 'Approval needed: wave ' + p.wave;
    $('approval-what').textContent = p.pointOfNoReturn;
    $('approval-servers').textContent = p.servers.join(', ') + ' in ' + p.region;
    $('confirm-word').textContent = p.confirmWord;
    if (fresh) { $('confirm').value = ''; $('confirm').focus(); }
  }
  function answer(kind) {
    var p = run.pending;
    if (!p) return;
    fetch('/api/approval', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-DRS-Failback-Token': token },
      body: JSON.stringify({ wave: p.wave, answer: kind, approver: $('approver').value, confirm: $('confirm').value })
    }).then(function (r) { return r.json(); }).then(function (res) {
      $('message').textContent = res.message;
      return refreshPending();
    });
  }
  // Every seq the stream delivered, in order: a duplicate or a gap shows here (the browser test reads it).
  var seen = window.drsFailbackSeen = [];
  function handle(e) {
    seen.push(e.seq);
    if (e.seq <= lastSeq) return;
    lastSeq = e.seq;
    lastAt = e.at;
    var w = e.wave ? waves[e.wave] : null;
    switch (e.type) {
      case 'run.started': startedAt = e.at; break;
      case 'state':
        if (e.machine === 'wave' && w) w.state = e.to;
        if (e.machine === 'plan') $('plan-state').textContent = e.to;
        break;
      case 'check':
        addRow('checks', [e.status, e.wave, e.server, e.name, e.detail, JSON.stringify(e.data || {})], e.status);
        break;
      case 'approval.requested': if (w) w.waiting = true; run.pending = null; refreshPending(); break;
      case 'approval.given': if (w) { w.waiting = false; w.approved = e.by; } run.pending = null; renderApproval(); break;
      case 'approval.refused': if (w) { w.waiting = false; w.refused = e.by; } run.pending = null; renderApproval(); break;
      case 'job.log': addRow('joblog', [e.logDateTime, e.wave, e.server || '', e.event, e.jobId]); break;
      case 'notification': addRow('notifications', [e.at, e.subject, e.error ? 'FAILED: ' + e.error : 'sent ' + (e.messageId || '')]); break;
      case 'run.finished':
        finished = e.outcome;
        e.waves.forEach(function (x) { if (waves[x.name]) { waves[x.name].outcome = x.outcome; waves[x.name].waiting = false; } });
        $('outcome').hidden = false;
        $('outcome-text').textContent = 'Run ' + e.outcome + ': ' + e.waves.map(function (x) { return x.name + ' ' + x.outcome; }).join(', ');
        run.pending = null; renderApproval();
        break;
    }
    $('last-seq').textContent = String(lastSeq);
    renderWaves();
    renderClock();
  }
  function start() {
    fetch('/api/run?token=' + encodeURIComponent(token)).then(function (r) { return r.json(); }).then(function (data) {
      run = data;
      run.plan.waves.forEach(function (w) { waves[w.name] = { state: null }; });
      $('title').textContent = 'Failback ' + data.plan.name + ' \\u2014 run ' + data.runId;
      $('region').textContent = data.plan.region;
      $('mode').textContent = data.canApprove ? 'approvals can be given here' : 'read-only view';
      $('report-md').href = '/report.md?token=' + encodeURIComponent(token);
      $('report-json').href = '/report.json?token=' + encodeURIComponent(token);
      renderWaves();
      renderApproval();
      var es = new EventSource('/api/events?token=' + encodeURIComponent(token));
      es.addEventListener('run', function (m) { handle(JSON.parse(m.data)); });
      es.onopen = function () { $('conn').textContent = 'connected'; };
      es.onerror = function () { $('conn').textContent = 'reconnecting\\u2026'; };
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
<p>Region <strong id="region"></strong> &middot; plan state <strong id="plan-state">starting</strong> &middot;
stream <span id="conn" role="status">connecting</span> (last event <span id="last-seq">0</span>) &middot; <span id="mode"></span></p>
<p id="rto" role="timer" aria-live="off"></p>
</header>
<main>
<section id="approval" hidden aria-labelledby="approval-title">
<h2 id="approval-title">Approval needed</h2>
<p><strong>What approving does:</strong> <span id="approval-what"></span></p>
<p><strong>Servers:</strong> <span id="approval-servers"></span></p>
<form id="approval-form">
<label for="approver">Your name (recorded with the answer)</label>
<input id="approver" name="approver" autocomplete="name" required>
<label for="confirm">To approve, type the wave's name: <code id="confirm-word"></code></label>
<input id="confirm" name="confirm" autocomplete="off" spellcheck="false">
<div><button type="submit" id="approve">Approve</button><button type="button" id="refuse">Refuse</button></div>
</form>
</section>
<div id="message" role="alert"></div>
<section aria-labelledby="h-waves"><h2 id="h-waves">Waves</h2><ol class="timeline" id="waves"></ol></section>
<section id="outcome" hidden aria-labelledby="h-outcome"><h2 id="h-outcome">Outcome</h2>
<p id="outcome-text" role="status"></p>
<p><a class="button" id="report-md" download>Report (Markdown)</a> <a class="button" id="report-json" download>Report (JSON)</a></p></section>
<section aria-labelledby="h-servers"><h2 id="h-servers">Servers by phase</h2>
<table><thead><tr><th>Server</th><th>Wave</th><th>Phase</th></tr></thead><tbody id="servers"></tbody></table></section>
<section aria-labelledby="h-checks"><h2 id="h-checks">Prechecks</h2><div class="log">
<table><thead><tr><th>Result</th><th>Wave</th><th>Server</th><th>Check</th><th>Detail</th><th>Data</th></tr></thead><tbody id="checks"></tbody></table></div></section>
<section aria-labelledby="h-joblog"><h2 id="h-joblog">Job log</h2><div class="log">
<table><thead><tr><th>Time</th><th>Wave</th><th>Server</th><th>Event</th><th>Job</th></tr></thead><tbody id="joblog"></tbody></table></div></section>
<section aria-labelledby="h-notifications"><h2 id="h-notifications">Notifications</h2>
<table><thead><tr><th>At</th><th>Subject</th><th>Result</th></tr></thead><tbody id="notifications"></tbody></table></section>
</main>
<script>${SCRIPT}</script>
</body>
</html>
`;
