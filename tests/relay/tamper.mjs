// A hostile client of the relay: anyone who can reach the automerge-repo sync server and knows a
// document id. What Kenshin gives a relay are sealed twins (a root map of blobs under "b:" keys);
// this writes into them. Used by tests/attacks.rs; prints "tampered N" when done.
//   node tamper.mjs URL DOC garbage          adds random bytes, a blob of DOC cut short, and one of its
//                                            blobs under another name, as blobs
//   node tamper.mjs URL DOC copy-from OTHER  copies OTHER's blobs into DOC (replayed from another document)
// Blobs are named as Kenshin names them ("b:" and the start of their SHA-256), but the renamed one.
//   node tamper.mjs URL DOC delete-blobs     deletes every blob of DOC
import { Repo } from "@automerge/automerge-repo"
import { BrowserWebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket"
import { createHash, randomBytes } from "node:crypto"

const [url, documentId, mode = "garbage", arg] = process.argv.slice(2)
const repo = new Repo({ network: [new BrowserWebSocketClientAdapter(url)], peerId: "relay-tamperer" })
const open = async id => {
  const handle = repo.find(id)
  await handle.whenReady()
  return handle
}
const blobs = doc => Object.keys(doc).filter(k => k.startsWith("b:"))
const named = bytes => `b:${createHash("sha256").update(bytes).digest("hex").slice(0, 24)}`
const handle = await open(documentId)
let copied = {}
if (mode === "copy-from") {
  const other = (await open(arg)).docSync()
  for (const k of blobs(other)) copied[k] = other[k]
}
let done = 0
handle.change(doc => {
  if (mode === "garbage") {
    const garbage = new Uint8Array(randomBytes(200))
    doc[named(garbage)] = garbage
    done++
    const first = blobs(doc)[0]
    if (first) {
      const cut = new Uint8Array(doc[first]).slice(0, 60)
      doc[named(cut)] = cut
      doc["b:renamed"] = new Uint8Array(doc[first])
      done += 2
    }
  } else if (mode === "copy-from") {
    for (const v of Object.values(copied)) {
      const bytes = new Uint8Array(v)
      doc[named(bytes)] = bytes
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
