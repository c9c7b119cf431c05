"""Live chat: group, case and direct rooms; messages, receipts, presence,
urgent messages with acknowledgement (Socket.IO events + JSON API + pages)."""
