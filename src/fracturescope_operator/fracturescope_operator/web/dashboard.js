// The operator centre's dashboard: polls /api/state once a second and draws robots, alerts and commands.
// Everything from robots is put in with textContent (never as HTML); thumbnails only as base64 JPEG data URLs.
'use strict';
const csrfToken = document.querySelector('meta[name="csrf-token"]').content;
const BUTTONS = [['stop', 'Stop'], ['resume', 'Resume'], ['inspect_again', 'Inspect again'], ['estop', 'E-stop']];
let lastSeq = 0;

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
    drawCommands(state.commands);
    document.getElementById('link-state').textContent = `updated ${new Date().toISOString().slice(11, 19)} UTC`;
  } catch (error) {
    document.getElementById('link-state').textContent = `centre unreachable: ${error}`;
  }
}

poll();
setInterval(poll, 1000);
