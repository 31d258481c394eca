// A hostile client of the relay: anyone who can reach the automerge-repo sync server and knows a
// document id. What Kenshin gives a relay are sealed twins (a root map of blobs under "b:" keys);
// this writes into them. Used by tests/attacks.rs; prints "tampered N" when done.
//   node tamper.mjs URL DOC garbage          adds random bytes, and a blob of DOC cut short, as blobs
//   node tamper.mjs URL DOC copy-from OTHER  copies OTHER's blobs into DOC (replayed from another document)
//   node tamper.mjs URL DOC delete-blobs     deletes every blob of DOC
import { Repo } from "@automerge/automerge-repo"
import { BrowserWebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket"
import { randomBytes } from "node:crypto"

const [url, documentId, mode = "garbage", arg] = process.argv.slice(2)
const repo = new Repo({ network: [new BrowserWebSocketClientAdapter(url)], peerId: "relay-tamperer" })
const open = async id => {
  const handle = repo.find(id)
  await handle.whenReady()
  return handle
}
const blobs = doc => Object.keys(doc).filter(k => k.startsWith("b:"))
const handle = await open(documentId)
let copied = {}
if (mode === "copy-from") {
  const other = (await open(arg)).docSync()
  for (const k of blobs(other)) copied[k] = other[k]
}
let done = 0
handle.change(doc => {
  if (mode === "garbage") {
    doc["b:garbage"] = new Uint8Array(randomBytes(200))
    done++
    const first = blobs(doc)[0]
    if (first) {
      doc["b:cut"] = new Uint8Array(doc[first]).slice(0, 60)
      done++
    }
  } else if (mode === "copy-from") {
    for (const [k, v] of Object.entries(copied)) {
      doc[`b:copied-${k.slice(2)}`] = new Uint8Array(v)
      done++
    }
  } else if (mode === "delete-blobs") {
    for (const k of blobs(doc)) {
      delete doc[k]
      done++
    }
  }
})
// Give the relay time to take the change, then leave.
await new Promise(resolve => setTimeout(resolve, 1500))
console.log(`tampered ${done}`)
process.exit(0)
