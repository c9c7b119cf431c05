// The ceiling for chat: a bare Socket.IO broadcast server on Node.js (npm
// socket.io, pinned in package.json). Same protocol as the app's chat for
// what the load test uses: "join {room}" -> ack {ok, last_id}; "message
// {room, body, client_id}" -> ack {id}, broadcast "message" to the room with
// the client_id. No auth, no database: what the transport alone costs.
//   node bench/node_ref.js [port]        (default 8301)
const { createServer } = require("http");
const { Server } = require("socket.io");

const port = Number(process.argv[2] || process.env.PORT || 8301);
const http = createServer((req, res) => { res.writeHead(200); res.end("ok"); });
const io = new Server(http, { pingInterval: 25000, pingTimeout: 20000 });
let nextId = 0;

io.on("connection", (socket) => {
  socket.on("join", (data, ack) => {
    socket.join(`chat:${data.room}`);
    if (ack) ack({ ok: true, room: data.room, last_id: nextId });
  });
  socket.on("message", (data, ack) => {
    const msg = { id: ++nextId, room: data.room, body: data.body, client_id: data.client_id,
                  created_at: new Date().toISOString() };
    io.to(`chat:${data.room}`).emit("message", msg);
    if (ack) ack({ id: msg.id });
  });
});

http.listen(port, "127.0.0.1", () => console.log(`node socket.io reference on :${port}`));
