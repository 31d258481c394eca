//! A document read from its history (変更履歴), not from its current state.
//!
//! Kenshin's documents keep their meaning in append-only containers (a root list or map whose items
//! are written once: sign-offs, list references, notes, roster entries). Honest writers only ever add
//! to them, so this reader takes every item ever added, from the changes that added it, with the
//! change, its actor and its dependencies; and it records every later change that deleted, replaced
//! or altered an item, or replaced a container, as tampering (改ざん). A deleted sign-off is therefore
//! still read, and its deletion is shown.
//!
//! An item is an object (with everything inside it) made in one change, or a scalar; whatever a later
//! change does to it is never part of it. Readers of the items judge them entry by entry: the history
//! itself never fails on a malformed item.

use automerge::legacy::{Key, ObjectId, OpId, OpType};
use automerge::{ActorId, AutoCommit, ChangeHash, ObjType, ScalarValue};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap, HashSet};

/// At most this many items of one container are read; more is itself shown as tampering (no honest
/// batch comes near it), so a hostile peer cannot make judging unbounded.
pub const MAX_ITEMS: usize = 200_000;
/// At most this many items take part in causal judging (a batch's sign-offs and list references):
/// each costs a bit per tracked change, and the rules are quadratic in them. An honest batch holds
/// a few dozen.
pub const MAX_CAUSAL: usize = 4_096;

/// One item of a container, as the change that added it made it.
#[derive(Debug, Clone)]
pub struct Item {
    /// The item: an object as JSON (maps as objects, lists as arrays), or a scalar.
    pub value: Value,
    /// For an item of a map container, its key.
    pub key: Option<String>,
    /// The change that added it, and that change's dependencies (what its writer had seen).
    pub change: ChangeHash,
    pub deps: Vec<ChangeHash>,
    /// Those of `deps` written by the same actor (Automerge adds the actor's previous change).
    pub own_deps: Vec<ChangeHash>,
    /// The actor (hex) that wrote the change.
    pub actor: String,
    /// Later changes that deleted, replaced or altered it (indices into [`History::tampering`]).
    pub tampered: Vec<usize>,
    op: Op,
    pub(crate) change_index: usize,
}

/// What a change did that honest writers never do.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Tamper {
    pub change: String,
    pub actor: String,
    /// The container (`signoffs`, `members`, ...) or root field it touched.
    pub container: String,
    /// Which item, by its position in [`History::items`] of that container.
    pub item: Option<usize>,
    pub what: TamperKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TamperKind {
    /// The item was deleted.
    Removed,
    /// The item was overwritten by another value.
    Replaced,
    /// A field inside the item was changed, added or deleted.
    Altered,
    /// A container or a root field was replaced or deleted.
    Structure,
    /// The container holds more items than are read.
    TooMany,
}

impl TamperKind {
    pub fn ja(self) -> &'static str {
        match self {
            TamperKind::Removed => "削除された",
            TamperKind::Replaced => "上書きされた",
            TamperKind::Altered => "内容を変更された",
            TamperKind::Structure => "文書の構造を書き換えられた",
            TamperKind::TooMany => "項目が多すぎる",
        }
    }
}

struct ChangeNode {
    hash: ChangeHash,
    actor: ActorId,
    deps: Vec<usize>,
}

/// Every item of the named containers, and every tampering, from a document's whole history.
pub struct History {
    items: BTreeMap<String, Vec<Item>>,
    /// Every value ever put at each root key, oldest op first (a document is created with the first).
    roots: BTreeMap<String, Vec<RootValue>>,
    pub tampering: Vec<Tamper>,
    changes: Vec<ChangeNode>,
}

/// A value being rebuilt from one change's ops.
enum Node {
    Map(BTreeMap<String, Op>),
    /// Elements in insertion order: (element id, the op holding its value, inserted after).
    List(Vec<Elem>),
    /// A text object (as JavaScript's automerge writes strings): read as the string it spells.
    Text(Vec<Elem>),
}

type Op = (u64, ActorId);

/// A value put at a root key, and the change that put it.
#[derive(Debug, Clone)]
pub struct RootValue {
    /// The value as JSON (bytes as `null`: see `bytes`).
    pub value: Value,
    /// A bytes value, as it is (a list's rows).
    pub bytes: Option<Vec<u8>>,
    pub change: ChangeHash,
    op: Op,
}
type Elem = (Op, Op, Option<Op>);

fn op_key(id: &OpId) -> Op {
    (id.counter(), id.actor().clone())
}

fn scalar_json(v: &ScalarValue) -> Value {
    match v {
        ScalarValue::Str(s) => Value::String(s.to_string()),
        ScalarValue::Int(i) => Value::from(*i),
        ScalarValue::Uint(u) => Value::from(*u),
        ScalarValue::F64(f) => Value::from(*f),
        ScalarValue::Counter(c) => Value::from(i64::from(c)),
        ScalarValue::Timestamp(t) => Value::from(*t),
        ScalarValue::Boolean(b) => Value::Bool(*b),
        ScalarValue::Null => Value::Null,
        ScalarValue::Bytes(b) => Value::String(hex::encode(b)),
        ScalarValue::Unknown { .. } => Value::Null,
    }
}

impl History {
    /// Reads `containers` (root keys) of `doc` from every change it holds.
    pub fn read(doc: &mut AutoCommit, containers: &[&str]) -> History {
        let changes = doc.get_changes(&[]);
        let index: HashMap<ChangeHash, usize> = changes
            .iter()
            .enumerate()
            .map(|(i, c)| (c.hash(), i))
            .collect();
        let mut h = History {
            items: containers
                .iter()
                .map(|c| (c.to_string(), Vec::new()))
                .collect(),
            roots: BTreeMap::new(),
            tampering: Vec::new(),
            changes: Vec::with_capacity(changes.len()),
        };
        // Pass 1: which objects are containers, which ops are items, and what each object holds.
        let mut container_of: HashMap<Op, String> = HashMap::new();
        let mut root_ops: HashMap<Op, String> = HashMap::new();
        // Every op on the root: (change, key, actor, whether it makes a container, whether it
        // replaces or deletes an earlier one); judged once the whole history is read.
        let mut root_writes: Vec<(usize, String, String, bool, bool)> = Vec::new();
        // Changes that added a migration record (which may raise `schema`).
        let mut migrating: HashSet<usize> = HashSet::new();
        // item op -> (container, position in that container's items)
        let mut item_at: HashMap<Op, (String, usize)> = HashMap::new();
        // object made inside an item -> the item op it belongs to (for later alterations)
        let mut inside: HashMap<Op, Op> = HashMap::new();
        for (ci, change) in changes.iter().enumerate() {
            let c = change.decode();
            let start = c.start_op.get();
            h.changes.push(ChangeNode {
                hash: change.hash(),
                actor: c.actor_id.clone(),
                deps: c
                    .deps
                    .iter()
                    .filter_map(|d| index.get(d).copied())
                    .collect(),
            });
            let actor_hex = c.actor_id.to_hex_string();
            let opid = |i: usize| (start + i as u64, c.actor_id.clone());
            // Objects made in this change, and their contents (to rebuild items whole).
            let mut made: HashMap<Op, Node> = HashMap::new();
            let mut values: HashMap<Op, Value> = HashMap::new();
            let mut new_items: Vec<(Op, String, Option<String>)> = Vec::new();
            for (i, op) in c.operations.iter().enumerate() {
                let id = opid(i);
                let parent = match &op.obj {
                    ObjectId::Root => None,
                    ObjectId::Id(o) => Some(op_key(o)),
                };
                // Anything that overwrites or deletes what an earlier change wrote.
                for p in op.pred.iter() {
                    let p = op_key(p);
                    if let Some((container, pos)) = item_at.get(&p) {
                        let what = match op.action {
                            OpType::Delete => TamperKind::Removed,
                            _ => TamperKind::Replaced,
                        };
                        h.tamper(ci, &actor_hex, container, Some(*pos), what);
                    } else if let Some(item) = inside
                        .get(&p)
                        .or(parent.as_ref().and_then(|o| inside.get(o)))
                    {
                        if let Some((container, pos)) = item_at.get(item) {
                            h.tamper(ci, &actor_hex, container, Some(*pos), TamperKind::Altered);
                        }
                    } else if let Some(key) = root_ops.get(&p) {
                        root_writes.push((ci, key.clone(), actor_hex.clone(), false, true));
                    }
                }
                match &parent {
                    None => {
                        let Key::Map(key) = &op.key else { continue };
                        root_ops.insert(id.clone(), key.to_string());
                        let makes = matches!(op.action, OpType::Make(_));
                        root_writes.push((ci, key.to_string(), actor_hex.clone(), makes, false));
                        if let OpType::Put(v) = &op.action {
                            let values = h.roots.entry(key.to_string()).or_default();
                            let (value, bytes) = match v {
                                ScalarValue::Bytes(b) => (Value::Null, Some(b.clone())),
                                other => (scalar_json(other), None),
                            };
                            values.push(RootValue {
                                value,
                                bytes,
                                change: change.hash(),
                                op: id.clone(),
                            });
                        }
                        if containers.contains(&key.as_str()) {
                            if let OpType::Make(_) = op.action {
                                container_of.insert(id.clone(), key.to_string());
                            }
                        }
                    }
                    Some(obj) => {
                        if let Some(container) = container_of.get(obj).cloned() {
                            // A new item (an insert into a list container, or a put at a map key).
                            let map_key = match &op.key {
                                Key::Map(k) => Some(k.to_string()),
                                Key::Seq(_) if op.insert => None,
                                Key::Seq(_) => continue, // an overwrite, flagged above
                            };
                            if matches!(op.action, OpType::Delete) {
                                continue;
                            }
                            new_items.push((id.clone(), container, map_key));
                        } else if !made.contains_key(obj) {
                            // An op on an object made earlier: an alteration when it is inside an item.
                            if let Some(item) = inside.get(obj) {
                                if let Some((container, pos)) = item_at.get(item) {
                                    h.tamper(
                                        ci,
                                        &actor_hex,
                                        container,
                                        Some(*pos),
                                        TamperKind::Altered,
                                    );
                                }
                            }
                            continue;
                        }
                    }
                }
                // Rebuild what this change made.
                if let Some(obj) = &parent {
                    if let Some(node) = made.get_mut(obj) {
                        match (node, &op.key) {
                            (Node::Map(m), Key::Map(k)) => {
                                if matches!(op.action, OpType::Delete) {
                                    m.remove(k.as_str());
                                } else {
                                    m.insert(k.to_string(), id.clone());
                                }
                            }
                            (Node::List(l) | Node::Text(l), Key::Seq(after)) if op.insert => {
                                l.push((id.clone(), id.clone(), after.as_opid().map(op_key)));
                            }
                            (Node::List(l) | Node::Text(l), Key::Seq(at)) => {
                                // A delete or a set of an element made in this change.
                                if let Some(at) = at.as_opid().map(op_key) {
                                    if let Some(pos) = l.iter().position(|(e, _, _)| *e == at) {
                                        if matches!(op.action, OpType::Delete) {
                                            l.remove(pos);
                                        } else {
                                            l[pos].1 = id.clone();
                                        }
                                    }
                                }
                            }
                            _ => {}
                        }
                    }
                }
                match &op.action {
                    OpType::Make(t) => {
                        let node = match t {
                            ObjType::Map | ObjType::Table => Node::Map(BTreeMap::new()),
                            ObjType::List => Node::List(Vec::new()),
                            ObjType::Text => Node::Text(Vec::new()),
                        };
                        if !container_of.contains_key(&id) {
                            made.insert(id.clone(), node);
                        }
                    }
                    OpType::Put(v) => {
                        values.insert(id.clone(), scalar_json(v));
                    }
                    _ => {}
                }
            }
            for (id, container, key) in new_items {
                if container == "migrations" {
                    migrating.insert(ci);
                }
                if h.items(&container).len() >= MAX_ITEMS {
                    h.tamper(ci, &actor_hex, &container, None, TamperKind::TooMany);
                    continue;
                }
                let mut members = Vec::new();
                let value = build(&id, &made, &values, &mut members);
                for m in members {
                    inside.insert(m, id.clone());
                }
                let list = h.items.entry(container.clone()).or_default();
                item_at.insert(id.clone(), (container, list.len()));
                list.push(Item {
                    value,
                    key,
                    change: change.hash(),
                    deps: {
                        let mut d = c.deps.clone();
                        d.sort();
                        d
                    },
                    own_deps: c
                        .deps
                        .iter()
                        .filter(|d| {
                            index
                                .get(*d)
                                .is_some_and(|&i| h.changes[i].actor == c.actor_id)
                        })
                        .copied()
                        .collect(),
                    actor: actor_hex.clone(),
                    tampered: Vec::new(),
                    op: id,
                    change_index: ci,
                });
            }
        }
        // Log order: by the id of the op that added each item (a Lamport clock, the same on every
        // laptop, and deleted items keep their place).
        let mut moved: HashMap<(String, usize), usize> = HashMap::new();
        for (container, list) in h.items.iter_mut() {
            let mut order: Vec<usize> = (0..list.len()).collect();
            order.sort_by(|&a, &b| list[a].op.cmp(&list[b].op));
            for (new, &old) in order.iter().enumerate() {
                moved.insert((container.clone(), old), new);
            }
            let mut sorted: Vec<Option<Item>> = list.drain(..).map(Some).collect();
            *list = order
                .iter()
                .map(|&i| sorted[i].take().expect("each once"))
                .collect();
        }
        for values in h.roots.values_mut() {
            values.sort_by(|a, b| a.op.cmp(&b.op));
        }
        // A document's root is written by the change that made it. Later, an upgrade adds a
        // migration record and raises `schema` in that same change, and containers may be made
        // (two laptops upgrading at once each make `migrations`); anything else written at the
        // root, over the first values or beside them, rewrites the document's structure.
        let made_in = h
            .roots
            .get("kind")
            .and_then(|v| v.first())
            .and_then(|first| h.changes.iter().position(|c| c.hash == first.change));
        for (ci, key, actor, makes, replaces) in root_writes {
            let allowed = (!replaces && (Some(ci) == made_in || makes))
                || (key == "schema" && migrating.contains(&ci));
            if !allowed {
                h.tamper(ci, &actor, &key, None, TamperKind::Structure);
            }
        }
        for (t, tamper) in h.tampering.iter_mut().enumerate() {
            if let Some(pos) = tamper.item {
                let new = moved[&(tamper.container.clone(), pos)];
                tamper.item = Some(new);
                if let Some(item) = h
                    .items
                    .get_mut(&tamper.container)
                    .and_then(|l| l.get_mut(new))
                {
                    item.tampered.push(t);
                }
            }
        }
        h
    }

    fn tamper(
        &mut self,
        ci: usize,
        actor: &str,
        container: &str,
        item: Option<usize>,
        what: TamperKind,
    ) {
        let t = Tamper {
            change: self.changes[ci].hash.to_string(),
            actor: actor.to_string(),
            container: container.to_string(),
            item,
            what,
        };
        if !self.tampering.contains(&t) {
            self.tampering.push(t);
        }
    }

    /// The value a root key was first given (later overwrites are tampering, never the value).
    pub fn root(&self, key: &str) -> Option<&Value> {
        self.root_values(key).first().map(|r| &r.value)
    }

    /// Every value ever put at a root key, oldest op first: a reader takes the one that proves
    /// itself (a signed record, one whose hash is the document's id).
    pub fn root_values(&self, key: &str) -> &[RootValue] {
        self.roots.get(key).map_or(&[], Vec::as_slice)
    }

    /// Checks the kind the document was created with, and returns the schema it was created with
    /// (a later overwrite of either is tampering, and must not make a document unreadable or
    /// "newer"; an upgrade is a signed migration record).
    pub fn expect_kind(&self, kind: &str, schema: i64) -> Result<i64, String> {
        match self.root("kind") {
            Some(Value::String(k)) if k == kind => {}
            Some(Value::String(k)) => return Err(format!("it is a {k:?} document, not {kind:?}")),
            _ => return Err("kind is missing".into()),
        }
        match self.root("schema").and_then(Value::as_i64) {
            Some(found) if found > schema => Err(newer(found, schema)),
            Some(found) => Ok(found),
            None => Err("schema is missing".into()),
        }
    }

    /// Tampering that touched an item, as lines for people.
    pub fn describe(&self, t: &Tamper) -> String {
        let short = |s: &str| s.chars().take(12).collect::<String>();
        format!(
            "{} の項目が{}（変更 {}、書き手 {}）",
            t.container,
            t.what.ja(),
            short(&t.change),
            short(&t.actor)
        )
    }

    /// The items of a container, in log order.
    pub fn items(&self, container: &str) -> &[Item] {
        self.items.get(container).map_or(&[], Vec::as_slice)
    }

    /// The causal order of `items` (at most [`MAX_CAUSAL`]; the rest are in nobody's past and
    /// see nothing), from the change graph: one pass in topological order, each change carrying
    /// the set of tracked items in its past as a bitset, shared along chains and dropped once its
    /// last child is done.
    pub fn causality(&self, items: &[&Item]) -> Causality {
        let n = self.changes.len();
        let tracked = &items[..items.len().min(MAX_CAUSAL)];
        let words = tracked.len().div_ceil(64);
        let mut own: HashMap<usize, Vec<usize>> = HashMap::new();
        for (k, item) in tracked.iter().enumerate() {
            own.entry(item.change_index).or_default().push(k);
        }
        // Kahn's order: a hostile change may claim any op counter, so counters are not trusted.
        let mut children: Vec<Vec<usize>> = vec![Vec::new(); n];
        let mut waiting: Vec<usize> = vec![0; n];
        for (c, node) in self.changes.iter().enumerate() {
            for &d in &node.deps {
                children[d].push(c);
                waiting[c] += 1;
            }
        }
        let mut ready: Vec<usize> = (0..n).filter(|&c| waiting[c] == 0).collect();
        let mut left: Vec<usize> = children.iter().map(Vec::len).collect();
        let mut inclusive: Vec<Option<std::rc::Rc<Vec<u64>>>> = vec![None; n];
        let mut strict: HashMap<usize, Vec<u64>> = HashMap::new();
        while let Some(c) = ready.pop() {
            let deps = &self.changes[c].deps;
            let past: std::rc::Rc<Vec<u64>> = match deps.as_slice() {
                [one] => inclusive[*one].clone().unwrap_or_default(),
                _ => {
                    let mut bits = vec![0u64; words];
                    for &d in deps {
                        if let Some(b) = &inclusive[d] {
                            bits.iter_mut().zip(b.iter()).for_each(|(x, y)| *x |= y);
                        }
                    }
                    std::rc::Rc::new(bits)
                }
            };
            let mine = own.get(&c);
            if mine.is_some() {
                strict.insert(c, pad(&past, words));
            }
            inclusive[c] = Some(match mine {
                None => past,
                Some(ks) => {
                    let mut bits = pad(&past, words);
                    for &k in ks {
                        bits[k / 64] |= 1 << (k % 64);
                    }
                    std::rc::Rc::new(bits)
                }
            });
            for &d in deps {
                left[d] -= 1;
                if left[d] == 0 {
                    inclusive[d] = None;
                }
            }
            if left[c] == 0 {
                inclusive[c] = None;
            }
            for &child in &children[c] {
                waiting[child] -= 1;
                if waiting[child] == 0 {
                    ready.push(child);
                }
            }
        }
        Causality {
            past: tracked
                .iter()
                .map(|i| strict.get(&i.change_index).cloned().unwrap_or_default())
                .collect(),
            change: items.iter().map(|i| i.change_index).collect(),
        }
    }
}

/// What a reader says of a document newer than it knows.
pub fn newer(found: i64, known: i64) -> String {
    format!(
        "it was written by a newer Kenshin (schema {found}; this one reads up to {known}): update Kenshin on this laptop"
    )
}

fn pad(bits: &[u64], words: usize) -> Vec<u64> {
    let mut v = bits.to_vec();
    v.resize(words, 0);
    v
}

/// Which tracked items were in the past of which (see [`History::causality`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Causality {
    /// For each tracked item, the bitset of tracked items strictly in its past.
    past: Vec<Vec<u64>>,
    /// The change that added each item.
    change: Vec<usize>,
}

impl Causality {
    /// Whether item `a` was in the past of the change that added item `b`.
    pub fn in_past(&self, a: usize, b: usize) -> bool {
        self.past
            .get(b)
            .and_then(|bits| bits.get(a / 64))
            .is_some_and(|w| w & (1 << (a % 64)) != 0)
    }

    /// Whether items `a` and `b` were added by the same change.
    pub fn same_change(&self, a: usize, b: usize) -> bool {
        matches!((self.change.get(a), self.change.get(b)), (Some(x), Some(y)) if x == y)
    }
}

/// Rebuilds the value an op made, from the objects and values of its change; `members` collects
/// every object inside it.
fn build(
    id: &Op,
    made: &HashMap<Op, Node>,
    values: &HashMap<Op, Value>,
    members: &mut Vec<Op>,
) -> Value {
    if let Some(v) = values.get(id) {
        return v.clone();
    }
    members.push(id.clone());
    match made.get(id) {
        Some(Node::Map(m)) => Value::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), build(v, made, values, members)))
                .collect::<Map<String, Value>>(),
        ),
        Some(Node::List(l)) => Value::Array(elements(l, made, values, members)),
        Some(Node::Text(l)) => Value::String(
            elements(l, made, values, members)
                .iter()
                .filter_map(Value::as_str)
                .collect(),
        ),
        None => Value::Null,
    }
}

/// A list's elements, in order, rebuilt.
fn elements(
    l: &[Elem],
    made: &HashMap<Op, Node>,
    values: &HashMap<Op, Value>,
    members: &mut Vec<Op>,
) -> Vec<Value> {
    let value_of: HashMap<&Op, &Op> = l.iter().map(|(e, v, _)| (e, v)).collect();
    rga_order(l)
        .into_iter()
        .map(|e| build(value_of[&e], made, values, members))
        .collect()
}

/// The order of a list's elements from their `inserted after` links (newer inserts after the same
/// element come first, as Automerge orders them).
fn rga_order(l: &[Elem]) -> Vec<Op> {
    let mut after: HashMap<Option<&Op>, Vec<&Op>> = HashMap::new();
    for (e, _, a) in l {
        after.entry(a.as_ref()).or_default().push(e);
    }
    for children in after.values_mut() {
        children.sort_by(|a, b| b.cmp(a));
    }
    let present: HashSet<&Op> = l.iter().map(|(e, _, _)| e).collect();
    let mut out = Vec::with_capacity(l.len());
    let mut stack: Vec<&Op> = after.get(&None).cloned().unwrap_or_default();
    // Elements inserted after something outside this change start a run of their own.
    for (e, _, a) in l {
        if a.as_ref().is_some_and(|a| !present.contains(a)) {
            stack.push(e);
        }
    }
    stack.reverse();
    let mut visited = HashSet::new();
    while let Some(e) = stack.pop() {
        if !visited.insert(e) {
            continue;
        }
        out.push(e.clone());
        if let Some(children) = after.get(&Some(e)) {
            for c in children.iter().rev() {
                stack.push(c);
            }
        }
    }
    out
}
