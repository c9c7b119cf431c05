/* Live chat room (protocol: API.md, "Socket.IO").
 *
 * Nothing is lost: every message goes through a localStorage outbox and
 * leaves it only when the server acks its id; after every (re)connect the
 * page joins the room, fetches what came after the last id it saw, then
 * sends the outbox in order. client_id makes a resend idempotent. */
(function () {
  "use strict";
  var root = document.querySelector("[data-chat-room]");
  if (!root || typeof io === "undefined") { return; }
  var cfg = JSON.parse(document.getElementById("chat-config").textContent);
  var T = cfg.i18n;
  var list = document.getElementById("chat-messages");
  var input = document.getElementById("chat-input");
  var form = document.getElementById("chat-form");
  var urgentBox = document.getElementById("chat-urgent");
  var typingEl = document.getElementById("chat-typing");
  var receiptsEl = document.getElementById("chat-receipts");
  var presenceEl = document.getElementById("chat-presence");
  var statusEl = document.getElementById("chat-connection");
  var errorEl = document.getElementById("chat-error");
  var outboxKey = "mentoring.chat.outbox." + cfg.me + "." + cfg.room;
  var messages = {};          // id -> payload
  var lastId = 0;             // highest id this page has seen
  var marks = cfg.marks;      // user id -> last read message id
  var online = {};
  var pendingAcks = {};
  var sentRead = 0;
  var flushing = false;
  var typingTimers = {};
  var typingNames = {};
  var lastTypingSent = 0;

  cfg.pending_acks.forEach(function (id) { pendingAcks[id] = true; });
  cfg.online.forEach(function (id) { online[id] = true; });

  function fmt(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, k) { return values[k]; });
  }
  function showError(text) {
    errorEl.textContent = text || "";
    errorEl.classList.toggle("d-none", !text);
  }
  function loadOutbox() {
    try { return JSON.parse(localStorage.getItem(outboxKey) || "[]"); } catch (e) { return []; }
  }
  function saveOutbox(items) { localStorage.setItem(outboxKey, JSON.stringify(items)); }
  function newClientId() {
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
  }
  function timeText(iso) {
    var d = new Date(iso);
    return isNaN(d) ? "" : d.toLocaleTimeString([], {hour: "2-digit", minute: "2-digit"});
  }
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  /* --- rendering -------------------------------------------------------- */
  function build(m, pending) {
    var li = el("li", "chat-message" + (m.author === cfg.me ? " mine" : "") + (m.urgent ? " urgent" : "") +
      (pending ? " pending" : ""));
    li.setAttribute("data-testid", "message");
    if (pending) {
      li.setAttribute("data-client-id", m.client_id);
    } else {
      li.id = "m" + m.id;
      li.setAttribute("data-id", m.id);
      li.setAttribute("data-client-id", m.client_id);
    }
    var meta = el("div", "chat-meta");
    meta.appendChild(el("strong", "", m.author_name));
    meta.appendChild(document.createTextNode(" "));
    var time = el("time", "", timeText(m.created_at));
    time.setAttribute("datetime", m.created_at);
    meta.appendChild(time);
    if (m.urgent) { meta.appendChild(el("span", "badge text-bg-danger ms-1", T.urgent)); }
    if (m.edited_at && !m.deleted) { meta.appendChild(el("span", "ms-1", "(" + T.edited + ")")); }
    if (pending) { meta.appendChild(el("span", "ms-1 chat-state", T.sending)); }
    li.appendChild(meta);
    var body = el("div", "chat-body");
    if (m.deleted) {
      body.appendChild(el("em", "", T.deleted));
    } else if (pending) {
      body.textContent = m.body;
    } else {
      if (m.image) {
        var link = el("a");
        link.href = m.image.url;
        var img = el("img", "chat-image");
        img.src = m.image.thumb_url;
        img.alt = T.image;
        img.loading = "lazy";
        link.appendChild(img);
        body.appendChild(link);
      }
      var text = el("div");
      text.innerHTML = m.html;  // escaped and linkified by the server (nh3)
      body.appendChild(text);
    }
    li.appendChild(body);
    if (!pending && !m.deleted) { li.appendChild(tools(m)); }
    return li;
  }

  function tools(m) {
    var box = el("div", "chat-tools");
    if (m.urgent && pendingAcks[m.id]) {
      var ack = el("button", "btn btn-sm btn-danger", T.acknowledge);
      ack.type = "button";
      ack.setAttribute("data-testid", "acknowledge");
      ack.addEventListener("click", function () {
        socket.emit("acknowledge", {message_id: m.id}, function (res) {
          if (res && res.error) { showError(res.error.message); return; }
          delete pendingAcks[m.id];
          render(messages[m.id]);
        });
      });
      box.appendChild(ack);
    }
    if (m.urgent && m.author === cfg.me) {
      var status = el("div", "small chat-ack-status");
      status.setAttribute("data-testid", "ack-status");
      box.appendChild(status);
      refreshAcks(m.id);
    }
    var age = (Date.now() - new Date(m.created_at).getTime()) / 60000;
    if (m.author === cfg.me && age < cfg.edit_minutes) {
      var edit = el("button", "btn btn-link", T.edit);
      edit.type = "button";
      edit.addEventListener("click", function () { startEdit(m); });
      var del = el("button", "btn btn-link text-danger", T["delete"]);
      del.type = "button";
      del.addEventListener("click", function () {
        if (!window.confirm(T.confirm_delete)) { return; }
        socket.emit("delete", {id: m.id}, function (res) { if (res && res.error) { showError(res.error.message); } });
      });
      box.appendChild(edit);
      box.appendChild(del);
    }
    return box;
  }

  function startEdit(m) {
    var li = document.getElementById("m" + m.id);
    var area = el("textarea", "form-control form-control-sm");
    area.value = m.body;
    area.maxLength = cfg.max_body;
    var save = el("button", "btn btn-sm btn-primary mt-1", T.save);
    var cancel = el("button", "btn btn-sm btn-link mt-1", T.cancel);
    save.type = cancel.type = "button";
    var body = li.querySelector(".chat-body");
    body.replaceChildren(area, save, cancel);
    cancel.addEventListener("click", function () { render(messages[m.id]); });
    save.addEventListener("click", function () {
      socket.emit("edit", {id: m.id, body: area.value}, function (res) {
        if (res && res.error) { showError(res.error.message); }
      });
    });
  }

  function refreshAcks(id) {
    if (!socket || !socket.connected) { return; }
    socket.emit("acknowledgements", {message_id: id}, function (res) {
      var node = document.querySelector("#m" + id + " .chat-ack-status");
      if (!node || !res || res.error) { return; }
      var done = res.acknowledged.map(function (p) { return p.name; });
      var waiting = res.pending.map(function (p) { return p.name; });
      node.textContent = [done.length ? fmt(T.ack_done, {names: done.join(", ")}) : "",
        waiting.length ? fmt(T.ack_pending, {names: waiting.join(", ")}) : ""].filter(Boolean).join(" · ");
    });
  }

  function render(m) {
    messages[m.id] = m;
    var node = build(m, false);
    var existing = document.getElementById("m" + m.id) ||
      list.querySelector('li.pending[data-client-id="' + CSS.escape(m.client_id) + '"]');
    var atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
    if (existing) {
      existing.replaceWith(node);
    } else {
      var after = null;  // keep id order even when a resync fills a gap
      list.querySelectorAll("li[data-id]").forEach(function (li) {
        if (!after && Number(li.getAttribute("data-id")) > m.id) { after = li; }
      });
      list.insertBefore(node, after || firstPending());
    }
    // A resend that the server had already stored (its ack was lost) must
    // not leave its "sending" copy beside the stored one.
    if (m.client_id) { dropPending(m.client_id); }
    if (m.id > lastId) { lastId = m.id; }
    if (atBottom || m.author === cfg.me) { list.scrollTop = list.scrollHeight; }
    updateReceipts();
  }

  function dropPending(clientId) {
    var li = list.querySelector('li.pending[data-client-id="' + CSS.escape(clientId) + '"]');
    if (li) { li.remove(); }
  }

  function stored(clientId) {
    return list.querySelector('li[data-id][data-client-id="' + CSS.escape(clientId) + '"]');
  }

  function firstPending() { return list.querySelector("li.pending"); }

  function renderPending(item) {
    var node = build({client_id: item.client_id, body: item.body, urgent: item.urgent, author: cfg.me,
      author_name: cfg.members[cfg.me] || "", created_at: new Date().toISOString()}, true);
    list.appendChild(node);
    list.scrollTop = list.scrollHeight;
  }

  function markFailed(clientId, text) {
    var li = list.querySelector('li.pending[data-client-id="' + CSS.escape(clientId) + '"]');
    if (!li) { return; }
    li.classList.add("failed");
    var state = li.querySelector(".chat-state");
    if (state) { state.textContent = T.failed + ": " + text; }
  }

  function updateReceipts() {
    var mine = 0;
    Object.keys(messages).forEach(function (id) {
      var m = messages[id];
      if (m.author === cfg.me && !m.deleted && m.id > mine) { mine = m.id; }
    });
    if (!mine) { receiptsEl.textContent = ""; return; }
    var names = Object.keys(marks).filter(function (uid) {
      return Number(uid) !== cfg.me && marks[uid] >= mine;
    }).map(function (uid) { return cfg.members[uid] || ("#" + uid); });
    receiptsEl.textContent = names.length ? fmt(T.seen_by, {names: names.join(", ")}) : "";
    receiptsEl.setAttribute("data-message-id", mine);
  }

  function updatePresence() {
    var names = Object.keys(online).filter(function (uid) {
      return online[uid] && Number(uid) !== cfg.me;
    }).map(function (uid) { return cfg.members[uid] || ("#" + uid); });
    presenceEl.textContent = names.length ? fmt(T.online_now, {names: names.join(", ")}) : T.nobody_online;
  }

  function setConnected(on) {
    statusEl.textContent = on ? T.online : T.offline;
    statusEl.className = "chat-conn";  // a thin banner that wraps (app.css), never a squeezing badge
    statusEl.setAttribute("data-state", on ? "online" : "offline");
  }

  /* --- the socket ------------------------------------------------------- */
  var socket = window.mentoringSocket = io({reconnectionDelayMax: 10000});  // live.js shares it

  function resync(done) {
    fetch("/api/v1/rooms/" + cfg.room + "/messages?per_page=200&after=" + lastId,
      {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (page) {
        page.items.forEach(function (m) {
          if (m.seen_by) { m.seen_by.forEach(function (uid) { marks[uid] = Math.max(marks[uid] || 0, m.id); }); }
          render(m);
        });
        if (page.items.length && page.total > page.items.length) { resync(done); } else { done(); }
      })
      .catch(function () { done(); });
  }

  function flushOutbox() {
    if (flushing || !socket.connected) { return; }
    var items = loadOutbox();
    if (!items.length) { return; }
    flushing = true;
    var item = items[0];
    socket.timeout(15000).emit("message", {room: cfg.room, body: item.body, client_id: item.client_id,
      urgent: !!item.urgent}, function (err, res) {
      flushing = false;
      if (err) { return; }  // no ack: stays in the outbox, sent again on reconnect
      if (res && res.error) {
        if (res.error.code === "rate_limited" || res.error.code === "server_error") {
          showError(res.error.message);
          setTimeout(flushOutbox, 5000);
          return;
        }
        markFailed(item.client_id, res.error.message);  // will never succeed: drop it
        showError(res.error.message);
      } else {
        showError("");
      }
      saveOutbox(loadOutbox().filter(function (i) { return i.client_id !== item.client_id; }));
      if (stored(item.client_id)) { dropPending(item.client_id); }
      flushOutbox();
    });
  }

  function markRead() {
    if (document.visibilityState !== "visible" || !socket.connected || lastId <= sentRead) { return; }
    sentRead = lastId;
    socket.emit("read", {room: cfg.room, message_id: lastId});
  }

  socket.on("connect", function () {
    setConnected(true);
    socket.emit("join", {room: cfg.room}, function (res) {
      if (!res || res.error) { showError(res ? res.error.message : ""); return; }
      online = {};
      res.online.forEach(function (id) { online[id] = true; });
      updatePresence();
      resync(function () { flushOutbox(); markRead(); });
    });
  });
  socket.on("disconnect", function (reason) {
    flushing = false;
    setConnected(false);
    // Only the server ends a socket this way, and only when the login ended
    // (logged out elsewhere, password changed, account deactivated): reload,
    // and the page sends the person to log in. The outbox stays on the phone.
    if (reason === "io server disconnect") { window.location.reload(); }
  });
  socket.on("connect_error", function () { setConnected(false); });

  socket.on("message", function (m) {
    if (m.room !== cfg.room) { return; }
    render(m);
    if (m.author !== cfg.me) {
      if (m.urgent) { pendingAcks[m.id] = true; render(m); }
      clearTyping(m.author);
      markRead();
    }
  });
  socket.on("message_edited", function (m) { if (m.room === cfg.room) { render(m); } });
  socket.on("message_deleted", function (d) {
    if (d.room !== cfg.room || !messages[d.id]) { return; }
    var m = Object.assign({}, messages[d.id], {deleted: true, body: "", html: ""});
    render(m);
  });
  socket.on("read", function (r) {
    if (r.room !== cfg.room) { return; }
    marks[r.user] = Math.max(marks[r.user] || 0, r.message_id);
    updateReceipts();
  });
  socket.on("presence", function (p) {
    if (p.room !== cfg.room) { return; }
    online[p.user] = p.online;
    if (p.user_name) { cfg.members[p.user] = cfg.members[p.user] || p.user_name; }
    updatePresence();
  });
  socket.on("acknowledged", function (a) { if (a.room === cfg.room) { refreshAcks(a.message_id); } });
  socket.on("typing", function (t) {
    if (t.room !== cfg.room || t.user === cfg.me) { return; }
    typingNames[t.user] = t.user_name;
    clearTimeout(typingTimers[t.user]);
    typingTimers[t.user] = setTimeout(function () { clearTyping(t.user); }, 4000);
    showTyping();
  });

  function clearTyping(uid) { delete typingNames[uid]; showTyping(); }
  function showTyping() {
    var names = Object.keys(typingNames).map(function (k) { return typingNames[k]; });
    typingEl.textContent = names.length ? fmt(T.typing, {name: names.join(", ")}) : "";
  }

  /* --- the form --------------------------------------------------------- */
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var body = input.value.trim();
    if (!body) { return; }
    if (body.length > cfg.max_body) { showError(T.too_long); return; }
    var item = {client_id: newClientId(), body: body, urgent: !!(urgentBox && urgentBox.checked)};
    var items = loadOutbox();
    items.push(item);
    saveOutbox(items);
    renderPending(item);
    input.value = "";
    if (urgentBox) { urgentBox.checked = false; }
    flushOutbox();
  });
  input.addEventListener("keydown", function (event) {
    // Enter sends where there is a real keyboard; on a phone it is a new line (the button sends).
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing && window.matchMedia("(pointer: fine)").matches) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  input.addEventListener("input", function () {
    var now = Date.now();
    if (socket.connected && now - lastTypingSent > 2000) {
      lastTypingSent = now;
      socket.emit("typing", {room: cfg.room});
    }
  });
  document.addEventListener("visibilitychange", markRead);

  /* images go over HTTP (multipart), not the socket; the broadcast shows them */
  var imageInput = document.getElementById("chat-image");
  if (imageInput) {
    imageInput.addEventListener("change", function () {
      var file = imageInput.files[0];
      if (!file) { return; }
      if (!socket.connected) { showError(T.image_failed + " " + T.offline); return; }
      var data = new FormData();
      data.append("file", file);
      data.append("client_id", newClientId());
      data.append("body", input.value.trim());
      var token = document.querySelector('meta[name="csrf-token"]');
      showError(T.uploading);
      fetch("/api/v1/rooms/" + cfg.room + "/attachments", {method: "POST", body: data, credentials: "same-origin",
        headers: {"X-CSRFToken": token ? token.content : "", Accept: "application/json"}})
        .then(function (r) { return r.json().then(function (j) { return {ok: r.ok, body: j}; }); })
        .then(function (res) {
          if (!res.ok) { showError((res.body.error && res.body.error.message) || T.image_failed); return; }
          showError("");
          input.value = "";
          render(res.body);
        })
        .catch(function () { showError(T.image_failed); })
        .then(function () { imageInput.value = ""; });
    });
  }

  /* the server-rendered page becomes live: same nodes, rebuilt with tools */
  cfg.messages.forEach(function (m) { render(m); });
  // What the server already holds (sent just before the page was left) is
  // shown once, as stored; only the rest waits in the outbox.
  var waiting = loadOutbox().filter(function (item) { return !stored(item.client_id); });
  saveOutbox(waiting);
  waiting.forEach(renderPending);
  setConnected(false);
  updatePresence();
})();
