//! Signed records (署名付きの記録): everything in a document that carries meaning is signed by the
//! member who wrote it, over a canonical encoding that names what it is, the office and the document
//! it belongs to. A record is judged from its signature and its signer's place in the roster, never
//! from where it sits in a document: a relay, or anyone who reaches one, can write bytes but cannot
//! sign as a member.
//!
//! Records written by a Kenshin from before signing (no signature) count only when a member vouched
//! for them when their laptop upgraded (a [`Migration`] naming each one's [`legacy_mark`]).

use crate::batch::BatchRef;
use crate::lists::ListRef;
use crate::register::{Lookup, VoucherNote};
use crate::workflow::SignOff;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};

/// A record with an id, a signer and a signature.
pub trait Signed {
    /// What it is, for people (記録, リスト参照, ...).
    const WHAT: &'static str;
    fn id(&self) -> &str;
    /// The member id of who signed it.
    fn signer(&self) -> &str;
    /// Hex Ed25519 signature; empty for a record written before signing.
    fn signature(&self) -> &str;
    /// The canonical bytes the signature covers: the record, its kind, the office and the document
    /// (`doc`) it belongs to, so it cannot be replayed into another.
    fn payload(&self, office: &str, doc: &str) -> Vec<u8>;
}

/// The accessors every signed record has: what it is, its id, signer and signature fields.
macro_rules! signed_fields {
    ($what:literal, $id:ident, $signer:ident) => {
        const WHAT: &'static str = $what;
        fn id(&self) -> &str {
            &self.$id
        }
        fn signer(&self) -> &str {
            &self.$signer
        }
        fn signature(&self) -> &str {
            &self.signature
        }
    };
}

pub(crate) fn encode(value: serde_json::Value) -> Vec<u8> {
    // serde_json writes object keys in sorted order (no preserve_order feature): a canonical form.
    value.to_string().into_bytes()
}

pub(crate) fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// How a removal names a record of the removed member that stays valid: its id and the start of
/// its signature (so a removed member cannot sign a new record under a kept id).
pub fn kept_mark(id: &str, signature: &str) -> String {
    format!("{id}:{}", signature.get(..16).unwrap_or(signature))
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What a migration names an unsigned record by: a digest of the record exactly as it was read
/// (its JSON form, keys sorted), so any change to it is another record.
pub fn legacy_mark(what: &str, value: &serde_json::Value) -> String {
    let digest = sha256_hex(&encode(json!({ "what": what, "value": value })));
    digest[..32].to_string()
}

/// An upgrade of one document by one member's laptop (版の更新): the schema it brought the document
/// to, and the records written before signing that the member vouches for (their [`legacy_mark`]s),
/// all of which their laptop held when it upgraded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Migration {
    pub id: String,
    pub schema: i64,
    pub vouched: Vec<String>,
    pub by: String,
    pub at: DateTime<Utc>,
    pub signature: String,
}

impl Signed for crate::filing::Filing {
    signed_fields!("月次の保存", id, by);
    fn payload(&self, office: &str, doc: &str) -> Vec<u8> {
        encode(json!({
            "v": "kenshin/filing/1", "office": office, "doc": doc, "id": self.id,
            "month": self.month.to_string(), "sha256": self.sha256, "by": self.by,
            "at": time(self.at), "held": self.held,
        }))
    }
}

impl Signed for crate::erasure::ErasureCertificate {
    signed_fields!("消去証明", id, member);
    fn payload(&self, office: &str, doc: &str) -> Vec<u8> {
        let mut v = json!({
            "v": "kenshin/erasure/1", "office": office, "doc": doc, "id": self.id,
            "office_name": self.office_name, "member": self.member,
            "member_name": self.member_name, "laptop": self.laptop, "held": self.held,
            "synced_with": self.synced_with, "synced_at": self.synced_at.map(time),
            "destroyed_at": time(self.destroyed_at),
        });
        // Certificates from before orders keep their canonical form.
        if let Some(order) = &self.ordered {
            v["order"] = json!(order);
        }
        encode(v)
    }
}

impl Signed for crate::erasure::ErasureOrder {
    signed_fields!("消去命令", id, by);
    fn payload(&self, office: &str, doc: &str) -> Vec<u8> {
        encode(json!({
            "v": "kenshin/erasure-order/1", "office": office, "doc": doc, "id": self.id,
            "member": self.member, "laptop": self.laptop, "by": self.by, "at": time(self.at),
        }))
    }
}

impl Signed for crate::retention::Purge {
    signed_fields!("保存期間満了による削除", id, by);
    fn payload(&self, office: &str, doc: &str) -> Vec<u8> {
        encode(json!({
            "v": "kenshin/purge/1", "office": office, "doc": doc, "id": self.id,
            "fiscal_year": self.fiscal_year, "by": self.by, "at": time(self.at),
        }))
    }
}

impl Signed for crate::retention::Redaction {
    signed_fields!("資格喪失者の削除", id, by);
    fn payload(&self, office: &str, doc: &str) -> Vec<u8> {
        encode(json!({
            "v": "kenshin/redaction/1", "office": office, "doc": doc, "id": self.id,
            "lost_by": self.lost_by.to_string(), "lists": self.lists, "by": self.by,
            "at": time(self.at),
        }))
    }
}

impl Signed for crate::filing::YearClose {
    signed_fields!("年度締め", id, by);
    fn payload(&self, office: &str, doc: &str) -> Vec<u8> {
        encode(json!({
            "v": "kenshin/year-close/1", "office": office, "doc": doc, "id": self.id,
            "fiscal_year": self.fiscal_year, "by": self.by, "at": time(self.at),
        }))
    }
}

impl Signed for Migration {
    signed_fields!("版の更新", id, by);
    fn payload(&self, office: &str, doc: &str) -> Vec<u8> {
        encode(json!({
            "v": "kenshin/migration/1", "office": office, "doc": doc, "id": self.id,
            "schema": self.schema, "vouched": self.vouched, "by": self.by, "at": time(self.at),
        }))
    }
}

impl Signed for SignOff {
    signed_fields!("記録", id, by);
    fn payload(&self, office: &str, doc: &str) -> Vec<u8> {
        crate::roster::signoff_payload(office, doc, self)
    }
}

impl Signed for ListRef {
    signed_fields!("リスト参照", doc_id, by);
    fn payload(&self, office: &str, doc: &str) -> Vec<u8> {
        encode(json!({
            "v": "kenshin/list-ref/1", "office": office, "batch": doc, "doc_id": self.doc_id,
            "list_kind": self.list_kind.code(), "sha256": self.sha256, "row_count": self.row_count,
            "by": self.by, "at": self.at.map(time),
        }))
    }
}

impl Signed for VoucherNote {
    signed_fields!("受診券の記録", id, by);
    fn payload(&self, office: &str, doc: &str) -> Vec<u8> {
        encode(json!({
            "v": "kenshin/note/1", "office": office, "batch": doc, "id": self.id,
            "voucher_no": self.voucher_no, "kind": self.kind.as_str(), "on": self.on.to_string(),
            "from": self.from, "text": self.text, "by": self.by, "at": time(self.at),
        }))
    }
}

impl Signed for Lookup {
    signed_fields!("照会記録", signature, by);
    /// A lookup is signed for the office, whichever access log document holds it.
    fn payload(&self, office: &str, _doc: &str) -> Vec<u8> {
        encode(json!({
            "v": "kenshin/lookup/1", "office": office, "at": time(self.at), "by": self.by,
            "query": self.query, "matched": self.matched, "shown": self.shown,
        }))
    }
}

impl Signed for BatchRef {
    signed_fields!("業務", batch_id, created_by);
    /// A batch's meta does not name its own id: the id is derived from it ([`batch_id_bytes`]).
    fn payload(&self, office: &str, _doc: &str) -> Vec<u8> {
        encode(json!({
            "v": "kenshin/batch/1", "office": office, "process": self.process.code(),
            "label": self.label, "fiscal_year": self.fiscal_year, "created_by": self.created_by,
            "created_at": time(self.created_at), "nonce": self.nonce,
        }))
    }
}

/// The 16 bytes of a batch document's id, derived from its signed meta: whatever a peer writes into
/// the document, only the meta the id was made from belongs to it.
pub fn batch_id_bytes(office: &str, meta: &BatchRef) -> [u8; 16] {
    content_id(&meta.payload(office, ""))
}

/// 16 bytes naming `content` (a document id that commits to what it holds): its sha256, marked
/// as a version 4 UUID, since automerge-repo (and so any relay) takes only UUIDs as document ids.
pub fn content_id(content: &[u8]) -> [u8; 16] {
    let digest = Sha256::digest(content);
    let mut id = [0u8; 16];
    id.copy_from_slice(&digest[..16]);
    id[6] = (id[6] & 0x0f) | 0x40;
    id[8] = (id[8] & 0x3f) | 0x80;
    id
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::ProcessId;
    use crate::lists::ListKind;

    fn meta() -> BatchRef {
        BatchRef {
            batch_id: String::new(),
            process: ProcessId::MonthlyIssuance,
            label: "2026-05 月次".into(),
            fiscal_year: 2026,
            created_by: "m1".into(),
            created_at: "2026-05-01T09:00:00.123Z".parse().unwrap(),
            nonce: "n".into(),
            signature: String::new(),
        }
    }

    #[test]
    fn a_batch_id_commits_to_its_meta_and_office() {
        let m = meta();
        let id = batch_id_bytes("o", &m);
        assert_eq!(id, batch_id_bytes("o", &m.clone()));
        assert_ne!(id, batch_id_bytes("o2", &m));
        let changes: Vec<fn(&mut BatchRef)> = vec![
            |m| m.process = ProcessId::Reissue,
            |m| m.label.push('x'),
            |m| m.fiscal_year += 1,
            |m| m.created_by = "m2".into(),
            |m| m.nonce = "other".into(),
        ];
        for change in changes {
            let mut other = meta();
            change(&mut other);
            assert_ne!(batch_id_bytes("o", &other), id, "{other:?}");
        }
        // Its own id and signature are never part of it.
        let mut signed = meta();
        signed.batch_id = "x".into();
        signed.signature = "ff".into();
        assert_eq!(batch_id_bytes("o", &signed), id);
    }

    #[test]
    fn payloads_name_the_office_and_document_and_every_field() {
        let list = ListRef {
            doc_id: "l1".into(),
            list_kind: ListKind::Production,
            sha256: "ab".into(),
            row_count: 12,
            by: "m1".into(),
            at: Some("2026-05-01T09:00:00Z".parse().unwrap()),
            signature: String::new(),
        };
        let p = list.payload("o", "b");
        assert_ne!(p, list.payload("o", "b2"));
        assert_ne!(p, list.payload("o2", "b"));
        let mut other = list.clone();
        other.row_count = 13;
        assert_ne!(p, other.payload("o", "b"));
        other = list.clone();
        other.list_kind = ListKind::Pullouts;
        assert_ne!(p, other.payload("o", "b"));
        other = list.clone();
        other.signature = "ff".into();
        assert_eq!(p, other.payload("o", "b"));
    }

    #[test]
    fn marks_differ_with_any_change() {
        let a = legacy_mark("note", &json!({"id": "1", "text": "a"}));
        assert_eq!(a.len(), 32);
        assert_eq!(a, legacy_mark("note", &json!({"text": "a", "id": "1"})));
        assert_ne!(a, legacy_mark("note", &json!({"id": "1", "text": "b"})));
        assert_ne!(a, legacy_mark("list", &json!({"id": "1", "text": "a"})));
        assert_eq!(
            kept_mark("e1", "0123456789abcdef0123"),
            "e1:0123456789abcdef"
        );
        // Ids are version 4 UUIDs, as automerge-repo requires.
        let id = content_id(b"x");
        assert_eq!(id[6] >> 4, 4);
        assert_eq!(id[8] >> 6, 0b10);
    }
}
