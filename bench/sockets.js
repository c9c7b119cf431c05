// Chat members at scale: thousands of Socket.IO clients in one Node process
// (npm socket.io-client 4.8.1, already in package.json), against the app
// (through nginx) and, in the same run, the Node reference (bench/node_ref.js).
// A python-socketio client per locust user cost the load generator a large
// share of the 2-core box at 1,000 users; one event loop holds 3,000 sockets
// for a few tens of MiB and a fraction of a core, and says so in its output.
//
//   node bench/sockets.js --app http://127.0.0.1:18080 --users users.json \
//        --app-sockets 3000 [--node http://127.0.0.1:8301 --node-sockets 300] \
//        [--rate 20] [--interval 60] [--seconds 120] [--sources 64] [--out sockets.json]
//
// Every option can also come from the environment (APP_URL, NODE_URL,
// USERS_FILE, SOCKETS, NODE_SOCKETS, RAMP_RATE, CHAT_INTERVAL, DURATION, OUT,
// ACK_TIMEOUT, DRAIN, SOURCES; not SECONDS or USERS, which bash and load.sh
// already use). The users file is bench/dataset.py --export --tokens: groups
// with their room and members, each member with an API token (no password
// hashing on the server during the ramp). Socket i is member i % 10 of group i / 10,
// so rooms hold 10 sockets. Node sockets use the group id as the room and no
// token (the reference has no auth).
//
// Each socket: websocket only, auth {token}, "join {room}" with an ack, then a
// "message {room, body, client_id}" every CHAT_INTERVAL s on average (uniform
// 0.5x-1.5x), first one at a random point of the first interval; a message
// whose ack does not come in ACK_TIMEOUT ms is resent with the same client_id
// (the app stores a client_id once). Latency is receive time - first send
// time, in this one process (one clock). Sending stops after SECONDS; then
// the driver waits up to DRAIN s for outstanding acks and deliveries, so every
// message sent is counted (none excluded), and writes its JSON.
"use strict";
const fs = require("fs");
const { io } = require("socket.io-client");
const { monitorEventLoopDelay } = require("perf_hooks");

function options() {
  const o = {
    app: process.env.APP_URL, node: process.env.NODE_URL, users: process.env.USERS_FILE,
    appSockets: process.env.SOCKETS, nodeSockets: process.env.NODE_SOCKETS || 0,
    rate: process.env.RAMP_RATE || 20, interval: process.env.CHAT_INTERVAL || 60,
    seconds: process.env.DURATION || 60, out: process.env.OUT, ackTimeout: process.env.ACK_TIMEOUT || 10000,
    drain: process.env.DRAIN || 15, roomSize: process.env.ROOM_SIZE || 10, sources: process.env.SOURCES || 0,
  };
  const names = { "--app": "app", "--node": "node", "--users": "users", "--app-sockets": "appSockets",
    "--node-sockets": "nodeSockets", "--rate": "rate", "--interval": "interval", "--seconds": "seconds",
    "--out": "out", "--ack-timeout": "ackTimeout", "--drain": "drain", "--room-size": "roomSize",
    "--sources": "sources" };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) {
    if (!(argv[i] in names)) throw new Error(`unknown option ${argv[i]}`);
    o[names[argv[i]]] = argv[i + 1];
  }
  for (const k of ["appSockets", "nodeSockets", "rate", "interval", "seconds", "ackTimeout", "drain", "roomSize", "sources"]) {
    o[k] = Number(o[k] || 0);
  }
  if (!o.users && o.appSockets) throw new Error("--users is required for app sockets");
  if (o.appSockets && !o.app) throw new Error("--app is required for app sockets");
  if (o.nodeSockets && !o.node) throw new Error("--node is required for node sockets");
  return o;
}

const opt = options();
const data = opt.users ? JSON.parse(fs.readFileSync(opt.users, "utf8")) : { groups: [] };
const T0 = Date.now();
const now = () => performance.timeOrigin + performance.now();  // ms, sub-millisecond, one clock
const elapsed = () => (Date.now() - T0) / 1000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const MAX_SENDS = 6;  // one message: the first send and up to 5 resends after an ack timeout

function newTarget(kind) {
  return {
    kind, sockets: [], opened: 0, connected: 0, peak: 0, everConnected: 0, connectErrors: {}, disconnects: {},
    joinFailures: {}, joined: 0, rooms: new Map(),  // room -> Set of joined sockets
    sent: 0, acked: 0, ackTimeouts: 0, ackErrors: {}, gaveUp: 0, doubled: 0, echoes: 0,
    messages: new Map(),  // client_id -> {t, expected, delivered, sender}
    deliveryMs: [], ackMs: [], connectMs: [], joinMs: [],
    deliveryAfterRampMs: [],  // messages sent once every socket was open: the steady state
    deliveryByWindow: new Map(),  // 10 s window of the send -> delivery ms: stalls show as a bad window
  };
}
const targets = { app: newTarget("app"), node: newTarget("node") };
let sending = true;
let rampDone = false;
let seq = 0;

function bump(map, key) { map[key] = (map[key] || 0) + 1; }

function member(i) {
  const group = data.groups[Math.floor(i / opt.roomSize) % data.groups.length];
  const m = group.members[i % opt.roomSize];
  if (!m) throw new Error(`group ${group.id} has fewer than ${opt.roomSize} members`);
  return { group, m };
}

// nginx balances the Socket.IO processes with ip_hash, on the first three
// bytes of the client's IPv4 address: from 127.0.0.1 alone, every socket lands
// in the same gevent process and the other idles. Phones come from many
// addresses, so with --sources N socket i connects from 127.0.(i % N + 1).1
// (all of 127/8 is this machine's loopback) and the hash spreads them.
function source(i) {
  return opt.sources > 0 ? { localAddress: `127.0.${(i % opt.sources) + 1}.1` } : {};
}

function open(target, i) {
  const isApp = target.kind === "app";
  let room;
  let auth;
  if (isApp) {
    const { group, m } = member(i);
    if (!m.token) throw new Error("the users file has no tokens: bench/dataset.py --export FILE --tokens");
    room = group.room;
    auth = { token: m.token };
  } else {
    room = Math.floor(i / opt.roomSize) + 1;
  }
  const s = { i, room, target, seen: new Set(), joinedNow: false, connectedOnce: false, timer: null };
  const t0 = now();
  // forceNew: a Manager (one websocket) per member, as on a real phone.
  // Reconnection on: a dropped socket comes back and re-joins, as the app's
  // own client does; the ledger still counts the drop and its reason.
  s.sock = io(isApp ? opt.app : opt.node, {
    transports: ["websocket"], forceNew: true, auth, reconnectionDelay: 1000,
    reconnectionDelayMax: 5000, timeout: 30000, ...source(i),
  });
  s.sock.on("connect", () => {
    s.up = true;
    target.connected += 1;
    target.peak = Math.max(target.peak, target.connected);
    if (!s.connectedOnce) {
      s.connectedOnce = true;
      target.everConnected += 1;
      target.connectMs.push(now() - t0);
    }
    join(s);
  });
  s.sock.on("connect_error", (err) => bump(target.connectErrors, String(err && err.message || err).slice(0, 120)));
  s.sock.on("disconnect", (reason) => {
    // socket.io-client also says "disconnect" when the websocket closes
    // before the server accepted the socket (its connect handler still
    // waiting): that one was never counted as connected (measured: -1,278)
    if (s.up) target.connected -= 1;
    s.up = false;
    bump(target.disconnects, reason);
    leaveRoom(s);
  });
  s.sock.on("message", (msg) => receive(s, msg));
  target.sockets.push(s);
}

function leaveRoom(s) {
  if (!s.joinedNow) return;
  s.joinedNow = false;
  s.target.joined -= 1;
  s.target.rooms.get(s.room).delete(s);
}

async function join(s, attempt = 1) {
  const t0 = now();
  let ack;
  try {
    ack = await s.sock.timeout(opt.ackTimeout).emitWithAck("join", { room: s.room });
  } catch (err) {
    ack = { error: { code: "timeout" } };
  }
  if (!s.sock.connected) return;  // dropped meanwhile: the next connect joins again
  if (!ack || !ack.ok) {
    const code = (ack && ack.error && ack.error.code) || "bad ack";
    if (attempt < 3 && code === "timeout") return join(s, attempt + 1);
    bump(s.target.joinFailures, code);
    return;
  }
  s.target.joinMs.push(now() - t0);
  if (!s.target.rooms.has(s.room)) s.target.rooms.set(s.room, new Set());
  s.target.rooms.get(s.room).add(s);
  s.joinedNow = true;
  s.target.joined += 1;
  if (!s.timer) schedule(s, Math.random() * opt.interval * 1000);
}

function schedule(s, ms) {
  s.timer = setTimeout(() => {
    if (!sending) return;
    if (s.joinedNow) say(s);
    schedule(s, opt.interval * 1000 * (0.5 + Math.random()));
  }, ms);
}

async function say(s) {
  const target = s.target;
  const clientId = `${target.kind}-${process.pid}-${++seq}`;
  // Who should get it: the sockets in the room now, the sender excepted
  // (it gets its own copy too, which is not a delivery to anyone else).
  const expected = target.rooms.get(s.room).size - 1;
  const msg = { t: now(), window: Math.floor(elapsed() / 10) * 10, afterRamp: rampDone, expected, delivered: 0,
                sender: s };
  target.messages.set(clientId, msg);
  target.sent += 1;
  const payload = { room: s.room, body: `Tin nhắn thử ${clientId}`, client_id: clientId };
  for (let attempt = 1; attempt <= MAX_SENDS; attempt++) {
    let ack;
    try {
      ack = await s.sock.timeout(opt.ackTimeout).emitWithAck("message", payload);
    } catch (err) {
      target.ackTimeouts += 1;  // resent with the same client_id: stored once by the app
      continue;
    }
    if (ack && ack.id) {
      target.acked += 1;
      target.ackMs.push(now() - msg.t);
    } else {
      bump(target.ackErrors, (ack && ack.error && ack.error.code) || "bad ack");
    }
    return;
  }
  target.gaveUp += 1;
}

function receive(s, msg) {
  const clientId = msg && msg.client_id;
  if (!clientId) return;
  const target = s.target;
  if (s.seen.has(clientId)) {
    target.doubled += 1;
    return;
  }
  s.seen.add(clientId);
  const sent = target.messages.get(clientId);
  if (!sent) return;  // someone else's (an earlier run, a human): not ours to count
  if (sent.sender === s) {
    target.echoes += 1;
    return;
  }
  sent.delivered += 1;
  target.deliveryMs.push(now() - sent.t);
  if (sent.afterRamp) target.deliveryAfterRampMs.push(now() - sent.t);
  if (!target.deliveryByWindow.has(sent.window)) target.deliveryByWindow.set(sent.window, []);
  target.deliveryByWindow.get(sent.window).push(now() - sent.t);
}

function pct(values) {
  if (!values.length) return { n: 0, p50: null, p95: null, p99: null, max: null };
  const v = Float64Array.from(values).sort();
  const at = (q) => Math.round(v[Math.min(v.length - 1, Math.ceil(q * v.length) - 1)] * 10) / 10;
  return { n: v.length, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: Math.round(v[v.length - 1] * 10) / 10 };
}

function outstanding() {
  let n = 0;
  for (const t of Object.values(targets)) {
    n += t.sent - t.acked - t.gaveUp - Object.values(t.ackErrors).reduce((a, b) => a + b, 0);
    for (const m of t.messages.values()) n += Math.max(0, m.expected - m.delivered);
  }
  return n;
}

function summary(t, wanted) {
  let expected = 0;
  let delivered = 0;
  for (const m of t.messages.values()) {
    expected += m.expected;
    delivered += Math.min(m.delivered, m.expected);
  }
  return {
    sockets_wanted: wanted, sockets_opened: t.opened, sockets_peak: t.peak, sockets_connected_at_end: t.connected,
    sockets_joined_at_end: t.joined, sockets_ever_connected: t.everConnected,
    // opened but never connected: refused (connect_errors says why) or still
    // waiting for the handshake when the run ended
    connect_failures: t.opened - t.everConnected,
    never_opened: wanted - t.opened,  // the ramp did not reach them within the run
    connect_errors: t.connectErrors, disconnects: t.disconnects,
    join_failures: t.joinFailures, messages_sent: t.sent, acked: t.acked, ack_timeouts: t.ackTimeouts,
    ack_errors: t.ackErrors, gave_up: t.gaveUp, deliveries_expected: expected, deliveries: delivered,
    lost: expected - delivered, doubled: t.doubled, own_copies: t.echoes,
    delivery_ms: pct(t.deliveryMs), delivery_after_ramp_ms: pct(t.deliveryAfterRampMs),
    // [second the window starts, deliveries, p50, p99]
    delivery_by_window: [...t.deliveryByWindow.entries()].sort((x, y) => x[0] - y[0])
      .map(([w, v]) => { const q = pct(v); return [w, q.n, q.p50, q.p99]; }),
    ack_ms: pct(t.ackMs), connect_ms: pct(t.connectMs), join_ms: pct(t.joinMs),
  };
}

const LAG_RESOLUTION_MS = 10;
const lagMs = (ns) => Math.max(0, Math.round((ns / 1e6 - LAG_RESOLUTION_MS) * 100) / 100);

async function main() {
  const lag = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS });
  lag.enable();
  const cpu0 = process.cpuUsage();
  let rssPeak = 0;
  const timeline = [];
  const sampler = setInterval(() => {
    const rss = process.memoryUsage().rss;
    rssPeak = Math.max(rssPeak, rss);
    timeline.push({ s: Math.round(elapsed()), app: targets.app.connected, node: targets.node.connected,
                    rss_mib: Math.round(rss / 2 ** 20), loadavg: require("os").loadavg()[0].toFixed(1) });
  }, 5000);
  const total = opt.appSockets + opt.nodeSockets;
  // One ramp for both targets, interleaved in proportion, at RAMP_RATE sockets a second.
  // Paced by the clock, not by a sleep per socket: on a loaded box each
  // sleep oversleeps, and 55 a second became 27 (measured at load 37).
  let a = 0;
  let n = 0;
  while (a + n < total && elapsed() < opt.seconds) {
    const due = Math.min(total, Math.floor(elapsed() * opt.rate) + 1);
    while (a + n < due) {
      const appTurn = n >= opt.nodeSockets || (a < opt.appSockets && a * opt.nodeSockets <= n * opt.appSockets);
      if (appTurn) open(targets.app, a++);
      else open(targets.node, n++);
    }
    await sleep(20);
  }
  targets.app.opened = a;
  targets.node.opened = n;
  const rampSeconds = elapsed();
  rampDone = true;
  const left = opt.seconds - elapsed();
  if (left > 0) await sleep(left * 1000);
  sending = false;
  const drain0 = Date.now();
  while (outstanding() > 0 && Date.now() - drain0 < opt.drain * 1000) await sleep(250);
  const drainSeconds = (Date.now() - drain0) / 1000;
  clearInterval(sampler);
  lag.disable();
  const cpu = process.cpuUsage(cpu0);
  const wall = elapsed();
  const mem = process.memoryUsage();
  const body = {
    options: { ...opt, users: opt.users || null },
    seconds: Math.round(wall * 10) / 10, ramp_seconds: Math.round(rampSeconds * 10) / 10,
    drain_seconds: Math.round(drainSeconds * 10) / 10,
    app: opt.appSockets ? summary(targets.app, opt.appSockets) : null,
    node: opt.nodeSockets ? summary(targets.node, opt.nodeSockets) : null,
    driver: {
      cpu_core_share: Math.round(((cpu.user + cpu.system) / 1e6 / wall) * 1000) / 1000,
      cpu_user_s: Math.round(cpu.user / 1e4) / 100, cpu_system_s: Math.round(cpu.system / 1e4) / 100,
      rss_peak_mib: Math.round(Math.max(rssPeak, mem.rss) / 2 ** 20), rss_end_mib: Math.round(mem.rss / 2 ** 20),
      heap_used_mib: Math.round(mem.heapUsed / 2 ** 20),
      // a busy event loop delays every receive it timestamps: if this is
      // small, the latencies above are the servers', not the driver's
      // (the histogram counts the 10 ms sampling period itself: taken off)
      event_loop_delay_ms: { p50: lagMs(lag.percentile(50)), p99: lagMs(lag.percentile(99)), max: lagMs(lag.max) },
      loadavg_end: require("os").loadavg().map((x) => Math.round(x * 10) / 10),
    },
    timeline,
  };
  const text = JSON.stringify(body, null, 1);
  if (opt.out) fs.writeFileSync(opt.out, text);
  const line = (t) => t && `${t.sockets_peak} sockets peak, ${t.connect_failures} failed, sent ${t.messages_sent} ` +
    `acked ${t.acked} delivered ${t.deliveries}/${t.deliveries_expected} lost ${t.lost} doubled ${t.doubled}, ` +
    `delivery p50/p99 ${t.delivery_ms.p50}/${t.delivery_ms.p99} ms`;
  console.log(`app: ${line(body.app)}\nnode: ${line(body.node)}\ndriver: ${JSON.stringify(body.driver)}`);
  for (const t of Object.values(targets)) for (const s of t.sockets) { clearTimeout(s.timer); s.sock.disconnect(); }
  setTimeout(() => process.exit(0), 200);
}

main().catch((err) => { console.error(err); process.exit(2); });
