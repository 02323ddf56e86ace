// The operator centre's dashboard: polls /api/state once a second and draws robots, alerts, thermal states and
// commands; polls /api/telemetry for the chosen robot and plots its sheet-edge alignment.
// Everything from robots is put in with textContent (never as HTML); thumbnails only as base64 JPEG data URLs.
'use strict';
const csrfToken = document.querySelector('meta[name="csrf-token"]').content;
const BUTTONS = [['stop', 'Stop'], ['resume', 'Resume'], ['inspect_again', 'Inspect again'], ['estop', 'E-stop']];
let lastSeq = 0;
let plot = {robot: '', seq: 0, points: []};
let plotWindowS = 600;

function cell(row, text, className) {
  const td = row.insertCell();
  td.textContent = text === null || text === undefined ? '' : String(text);
  if (className) td.className = className;
  return td;
}

function time(ns) {
  return ns ? new Date(Number(ns) / 1e6).toISOString().replace('T', ' ').slice(0, 19) : '';
}

function finding(alert) {
  const d = alert.details || {};
  const where = d.location || d.installation_id || '';
  const confidence = alert.confidence === null ? '' : ` (${alert.confidence.toFixed(2)})`;
  const request = d.request ? ` answering ${d.request.issuer}'s inspect-again` : '';
  return `${alert.label}${confidence}${where ? ' at ' + where : ''}${request}`;
}

function ledger(alert) {
  const l = alert.ledger || {};
  if (alert.kind === 'checkpoint') return `checkpoint of ${alert.details.tree_size} blocks`;
  return l.index === null || l.index === undefined ? 'not recorded yet' : `block ${l.index}`;
}

function addAlert(alert) {
  const row = document.querySelector('#alerts tbody').insertRow(0);
  row.dataset.alertId = alert.alert_id;
  row.className = 'alert alert-' + alert.kind;
  cell(row, time(alert.received_ns));
  cell(row, alert.robot_id);
  cell(row, alert.kind);
  cell(row, finding(alert));
  cell(row, ledger(alert));
  const td = row.insertCell();
  const jpeg = alert.thumbnail && alert.thumbnail.jpeg_base64;
  if (jpeg && /^[A-Za-z0-9+/=]+$/.test(jpeg)) {
    const img = document.createElement('img');
    img.alt = 'thumbnail';
    img.src = 'data:image/jpeg;base64,' + jpeg;
    td.appendChild(img);
  }
}

async function send(robotId, command, button) {
  if (command === 'estop' && !window.confirm(`E-stop ${robotId}?`)) return;
  button.disabled = true;
  try {
    const response = await fetch('/api/command', {method: 'POST', credentials: 'same-origin',
      headers: {'Content-Type': 'application/json', 'X-CSRF-Token': csrfToken},
      body: JSON.stringify({robot_id: robotId, command: command})});
    if (!response.ok) window.alert(`${command} not sent: ${await response.text()}`);
  } finally {
    button.disabled = false;
  }
}

function drawRobots(robots) {
  const body = document.querySelector('#robots tbody');
  body.replaceChildren();
  for (const robot of robots) {
    const row = body.insertRow();
    row.dataset.robotId = robot.robot_id;
    const status = robot.status || {};
    const link = status.link || {};
    const outbox = status.outbox || {};
    cell(row, robot.robot_id + (robot.registered ? '' : ' (not registered)'));
    cell(row, time(robot.last_seen_ns));
    cell(row, status.online === false ? 'offline' : (link.connected ? 'connected' : 'unknown'));
    cell(row, outbox.queued === undefined ? '' : `${outbox.queued} queued`);
    const alarm = ['rewritten', 'bad_signature', 'wrong_key'].includes(robot.witness_state);
    cell(row, `${robot.witness_state}: ${robot.witness_detail}`, alarm ? 'alarm' : robot.witness_state === 'ok' ? 'ok' : 'warn');
    const buttons = row.insertCell();
    if (!robot.registered) continue;
    for (const [command, label] of BUTTONS) {
      const button = document.createElement('button');
      button.textContent = label;
      button.dataset.command = command;
      button.addEventListener('click', () => send(robot.robot_id, command, button));
      buttons.appendChild(button);
    }
  }
}

function drawCommands(commands) {
  const body = document.querySelector('#commands tbody');
  body.replaceChildren();
  for (const c of commands) {
    const row = body.insertRow();
    cell(row, time(c.sent_ns));
    cell(row, c.operator);
    cell(row, c.robot_id);
    cell(row, c.command);
    cell(row, c.ack ? (c.ack.accepted ? c.ack.reason : `refused: ${c.ack.reason}`) : 'waiting');
  }
}

function drawThermal(robots) {
  const body = document.querySelector('#thermal tbody');
  body.replaceChildren();
  for (const robot of robots) {
    for (const t of robot.thermal || []) {
      const row = body.insertRow();
      row.className = 'thermal-state';
      row.dataset.robotId = robot.robot_id;
      cell(row, robot.robot_id);
      cell(row, t.camera);
      cell(row, t.installation_id);
      cell(row, t.label, t.alert ? 'alarm' : '');
      cell(row, typeof t.anomaly_probability === 'number' ? t.anomaly_probability.toFixed(2) : '');
      cell(row, typeof t.max_temperature_c === 'number' ? `${t.max_temperature_c.toFixed(1)} \u00b0C` : '');
      cell(row, t.hot_spots);
      cell(row, time(t.stamp_ns));
    }
  }
}

function chooseRobots(robots) {
  const select = document.getElementById('plot-robot');
  const ids = robots.map(r => r.robot_id);
  if (select.options.length !== ids.length || ids.some((id, i) => select.options[i].value !== id)) {
    select.replaceChildren(...ids.map(id => new Option(id, id)));
    if (ids.includes(plot.robot)) select.value = plot.robot;
  }
  if (select.value !== plot.robot) plot = {robot: select.value, seq: 0, points: []};
}

function drawAlignment(nowNs) {
  const canvas = document.getElementById('alignment');
  const g = canvas.getContext('2d');
  const w = canvas.width, h = canvas.height, left = 50, bottom = h - 20;
  const start = nowNs - plotWindowS * 1e9;
  plot.points = plot.points.filter(p => p.received_ns >= start);
  const values = plot.points.flatMap(p => [p.mean_left_mm, p.mean_right_mm]).filter(v => typeof v === 'number');
  const span = Math.max(5, ...values.map(Math.abs)) * 1.15;
  const x = ns => left + (w - left - 10) * (ns - start) / (plotWindowS * 1e9);
  const y = mm => bottom / 2 - (bottom / 2 - 10) * mm / span;
  g.clearRect(0, 0, w, h);
  g.fillStyle = '#444';
  g.font = '12px sans-serif';
  g.strokeStyle = '#ccc';
  for (const mm of [-span / 1.15, 0, span / 1.15]) {
    g.beginPath(); g.moveTo(left, y(mm)); g.lineTo(w - 10, y(mm)); g.stroke();
    g.fillText(`${mm.toFixed(1)}`, 4, y(mm) + 4);
  }
  g.fillText(`-${plotWindowS >= 3600 ? plotWindowS / 3600 + ' h' : plotWindowS / 60 + ' min'}`, left, h - 4);
  g.fillText('now', w - 35, h - 4);
  let drawn = 0;
  for (const [key, colour] of [['mean_left_mm', '#1f5fbf'], ['mean_right_mm', '#d2691e']]) {
    g.strokeStyle = colour;
    g.lineWidth = 2;
    g.beginPath();
    let previous = null;
    for (const p of plot.points) {
      if (typeof p[key] !== 'number') { previous = null; continue; }   // nothing measured: a gap
      const gap = previous !== null && p.received_ns - previous > 10e9;   // the link or the robot was away
      if (previous === null || gap) g.moveTo(x(p.received_ns), y(p[key])); else g.lineTo(x(p.received_ns), y(p[key]));
      previous = p.received_ns;
      drawn += 1;
    }
    g.stroke();
  }
  canvas.dataset.points = String(drawn);
  const last = plot.points[plot.points.length - 1];
  document.getElementById('alignment-note').textContent = !last ? `no alignment from ${plot.robot || 'any robot'} yet` :
    `latest: left ${fmt(last.mean_left_mm)} mm, right ${fmt(last.mean_right_mm)} mm (worst |error| ` +
    `${fmt(last.max_abs_left_mm)} / ${fmt(last.max_abs_right_mm)} mm), control ${last.mode}`;
}

function fmt(value) {
  return typeof value === 'number' ? value.toFixed(1) : '-';
}

async function pollAlignment() {
  if (!plot.robot) { drawAlignment(Date.now() * 1e6); return; }
  const robot = plot.robot;
  const response = await fetch(`/api/telemetry?robot_id=${encodeURIComponent(robot)}&after=${plot.seq}` +
                               `&window_s=${plotWindowS}`, {credentials: 'same-origin'});
  if (!response.ok) return;
  const data = await response.json();
  if (robot !== plot.robot) return;   // another robot was chosen meanwhile
  plot.points.push(...data.points.filter(p => p.seq > plot.seq));   // polls may overlap: each point once
  plot.seq = Math.max(plot.seq, data.last_seq);
  drawAlignment(data.now_ns);
}

async function poll() {
  try {
    const response = await fetch(`/api/state?after=${lastSeq}`, {credentials: 'same-origin'});
    if (response.status === 401) { window.location = '/login'; return; }
    const state = await response.json();
    for (const alert of state.alerts) {
      addAlert(alert);
      lastSeq = Math.max(lastSeq, alert.seq);
    }
    drawRobots(state.robots);
    drawThermal(state.robots);
    chooseRobots(state.robots);
    drawCommands(state.commands);
    await pollAlignment();
    document.getElementById('link-state').textContent = `updated ${new Date().toISOString().slice(11, 19)} UTC`;
  } catch (error) {
    document.getElementById('link-state').textContent = `centre unreachable: ${error}`;
  }
}

for (const id of ['plot-robot', 'plot-window']) {
  document.getElementById(id).addEventListener('change', () => {
    plotWindowS = Number(document.getElementById('plot-window').value);
    plot = {robot: document.getElementById('plot-robot').value, seq: 0, points: []};
    pollAlignment();
  });
}
poll();
setInterval(poll, 1000);
