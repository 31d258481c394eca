// A hostile client of the relay: anyone who can reach the automerge-repo sync server and knows a
// document id. Used by tests/sync.rs and tests/attacks.rs; prints "tampered N" when done.
//   node tamper.mjs URL DOC delete-sendbacks   deletes every send-back (差戻し) from a batch
//   node tamper.mjs URL DOC forge-approval ID  adds an unsigned approval of step 3 "by" member ID
//   node tamper.mjs URL DOC schema             claims the document is of a schema from the future
import { Int } from "@automerge/automerge"
import { Repo } from "@automerge/automerge-repo"
import { BrowserWebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket"

const [url, documentId, mode = "delete-sendbacks", arg] = process.argv.slice(2)
const repo = new Repo({ network: [new BrowserWebSocketClientAdapter(url)], peerId: "relay-tamperer" })
const handle = repo.find(documentId)
await handle.whenReady()
let done = 0
handle.change(doc => {
  if (mode === "delete-sendbacks") {
    for (let i = doc.signoffs.length - 1; i >= 0; i--) {
      if (doc.signoffs[i].send_back) {
        doc.signoffs.splice(i, 1)
        done++
      }
    }
  } else if (mode === "forge-approval") {
    doc.signoffs.push({
      id: "from-the-relay", step: new Int(3), action: "approve", by: arg, at: new Date().toISOString(),
      counts: {}, note: null, send_back: null, heads_seen: [], signature: "",
    })
    done++
  } else if (mode === "schema") {
    doc.schema = 99
    done++
  }
})
// Give the relay time to take the change, then leave.
await new Promise(resolve => setTimeout(resolve, 1500))
console.log(`tampered ${done}`)
process.exit(0)
