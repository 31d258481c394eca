// A hostile client of the relay: anyone who can reach the automerge-repo sync server and knows a
// document id. It deletes every send-back (差戻し) from a Kenshin batch document and lets the
// deletion reach the relay. Used by tests/sync.rs; prints "tampered N" when done.
import { Repo } from "@automerge/automerge-repo"
import { BrowserWebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket"

const [url, documentId] = process.argv.slice(2)
const repo = new Repo({ network: [new BrowserWebSocketClientAdapter(url)], peerId: "relay-tamperer" })
const handle = repo.find(documentId)
await handle.whenReady()
let removed = 0
handle.change(doc => {
  for (let i = doc.signoffs.length - 1; i >= 0; i--) {
    if (doc.signoffs[i].send_back) {
      doc.signoffs.splice(i, 1)
      removed++
    }
  }
})
// Give the relay time to take the change, then leave.
await new Promise(resolve => setTimeout(resolve, 1500))
console.log(`tampered ${removed}`)
process.exit(0)
