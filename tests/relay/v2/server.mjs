// A relay on automerge-repo 2.x, as a site might run one: a Repo with the WebSocket server adapter
// and NodeFS storage, sharing nothing unasked (like the sync server). PORT and DATA_DIR as the sync
// server takes them; prints "Listening on port N" when ready.
import { Repo } from "@automerge/automerge-repo"
import { NodeWSServerAdapter } from "@automerge/automerge-repo-network-websocket"
import { NodeFSStorageAdapter } from "@automerge/automerge-repo-storage-nodefs"
import { WebSocketServer } from "ws"

const port = Number(process.env.PORT ?? 3030)
const wss = new WebSocketServer({ port })
new Repo({
  network: [new NodeWSServerAdapter(wss)],
  storage: new NodeFSStorageAdapter(process.env.DATA_DIR ?? ".amrg"),
  peerId: `relay-v2-${port}`,
  sharePolicy: async () => false,
})
wss.on("listening", () => console.log(`Listening on port ${port}`))
