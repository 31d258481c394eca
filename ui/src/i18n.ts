// Japanese first, English on request. Keys are English.
import type { Action, ArchiveDoubt, Ask, EventKind, FieldSaid, ImportWarning, ProcessId, Refusal, Role, SignOffView, Status, VoucherStatus } from "./bindings";
import { LIST_KIND_JA, REPORT_JA } from "./bindings";

export type Lang = "ja" | "en";
let lang: Lang = (localStorage.getItem("lang") as Lang) || "ja";

export function currentLang(): Lang {
  return lang;
}

export function setLang(l: Lang): void {
  lang = l;
  localStorage.setItem("lang", l);
  document.documentElement.lang = l;
}

const ja: Record<string, string> = {
  // 契約終了・消去証明
  "End of contract": "契約終了",
  "End the contract (destroy this laptop's records)": "契約終了（この端末の記録を消去）",
  "This laptop syncs once with a section laptop, then its records and key are destroyed: nothing of the office remains on it. You sign the erasure certificate.":
    "この端末は課の端末と一度すべて同期してから、記録と暗号鍵を消去します。事務所のデータはこの端末に何も残りません。消去証明にはあなたが署名します。",
  "Save the certificate to": "消去証明の保存先",
  "Sync and destroy": "同期して消去する",
  "Syncing with the section, then destroying…": "課の端末と同期してから消去します…",
  "This laptop's records were destroyed": "この端末の記録を消去しました",
  "The erasure certificate was saved": "消去証明を保存しました",
  ". Hand it to the section.": "。課に渡してください。",
  "The certificate could not be saved. Copy it below and hand it to the section.": "消去証明を保存できませんでした。下の内容を写して課に渡してください。",
  "To the first screen": "最初の画面へ",
  "Check an erasure certificate": "消去証明の確認",
  "Certificate file": "消去証明のファイル",
  "The erasure certificate holds": "消去証明を確認しました",
  Office: "事務所",
  Held: "保持していたもの",
  " documents": "件の文書",
  "Synced with": "最後に同期した課の職員",
  "Synced at": "最後の同期",
  " vouchers": "件の受診券",
  Destroyed: "消去日時",
  "Batches held": "保持していた業務",
  // 今の業務
  "Finished batches of past fiscal years are not shown": "過去の年度の完了した業務は表示していません",
  " batches": "件",
  "Show them": "表示する",
  "Show the current work only": "今の業務だけを表示する",
  // 消去命令
  "Erasure of laptops": "端末の消去",
  Why: "消去の理由",
  "The admin's erasure order": "管理者の消去命令",
  "End of contract (after a whole sync)": "契約終了（同期の後）",
  "Also order that laptop to destroy its records (消去命令)": "その端末の記録の消去も命じる（消去命令）",
  "Order the erasure": "消去を命じる",
  "is told to destroy its records the next time it connects to a laptop of this office. Its work not yet synced is lost.":
    "の端末に、次にこの事務所の端末へつながったとき記録の消去を命じます。まだ同期していない記録は失われます。",
  "Erasure ordered": "消去を命じました",
  "Ordered": "命令",
  "Not ordered": "命令なし",
  "Erased": "消去済み",
  "No laptop was removed from the roster.": "名簿から削除した端末はありません。",
  "Erasure certificates received": "受け取った消去証明",
  "None yet.": "まだありません。",
  "This laptop's records were destroyed on the admin's order": "管理者の命令により、この端末の記録を消去しました",
  "The erasure certificate was handed to the section's laptop.": "消去証明を課の端末に渡しました。",
  "The erasure certificate could not be handed to the section's laptop: save it and hand the file to the section.":
    "消去証明を課の端末に渡せませんでした。保存して、ファイルを課に渡してください。",
  "Save the certificate": "消去証明を保存",
  // 取下げ・代決・後閲
  Withdraw: "取下げ",
  "Approve as deputy": "代決",
  Review: "後閲",
  "Awaiting review": "後閲待ち",
  "Approved by a deputy; the approver has not reviewed it yet": "代決されました。決裁者の後閲を待っています",
  Deputy: "代決者",
  "The office's settings": "事務所の設定",
  // 保険者情報 and the standard voucher
  Insurer: "保険者情報",
  "Insurer number": "保険者番号",
  "Insurer name": "保険者名称",
  "Insurer address": "所在地",
  "Insurer phone": "電話番号",
  "Contract organisation": "契約とりまとめ機関",
  "Payment agent number": "支払代行機関番号",
  "Payment agent name": "支払代行機関名称",
  "Valid until (this fiscal year)": "有効期限（今年度）",
  "Self-pay at the window": "窓口での自己負担",
  "Checkup (basic)": "特定健診（基本部分）",
  "Checkup (detailed)": "特定健診（詳細部分）",
  "Extra items": "追加健診項目",
  "Health dock": "人間ドック",
  Free: "無料",
  "Share (%)": "受診者負担（%）",
  "Fixed (yen)": "定額（円）",
  "Insurer pays up to (yen)": "保険者負担上限（円）",
  "A4 for window envelopes": "A4（窓あき封筒用）",
  "Cards (four to a page)": "カード（1枚に4枚）",
  Layout: "様式",
  "Reset the PIN": "暗証番号の再設定",
  "Reissue request": "再交付申請",
  "Reissue batch": "再交付のバッチ",
  "Day asked": "申請日",
  "Request a reissue": "再交付を申請する",
  "Change the role": "役割の変更",
  "Role changed": "役割を変更しました",
  "PIN reset": "暗証番号を再設定しました",
  " gets new keys and chooses a new PIN at their next sign-in; what they recorded keeps counting.": "さんに新しい鍵を作ります。次に使うとき新しい暗証番号を決めます。これまでの記録はそのまま有効です。",
  "Lock after (minutes idle)": "操作がないとき自動ロックまで（分）",
  "Only an office admin can change these.": "変更できるのは事務所の管理者だけです。",
  "Make deputy": "代決者に指定",
  "End deputy": "代決者の指定を外す",
  "Now a deputy": "代決者に指定しました",
  "No longer a deputy": "代決者の指定を外しました",
  // Signing in (本人確認)
  PIN: "暗証番号",
  " has no PIN yet: choose one of 6 characters or more.": "さんの暗証番号はまだありません。6文字以上で決めてください。",
  "New PIN": "新しい暗証番号",
  Again: "もう一度",
  "Sign in": "本人確認",
  "The two PINs differ.": "2回入力した暗証番号が違います。",
  "Change PIN": "暗証番号の変更",
  "Current PIN": "今の暗証番号",
  Change: "変更する",
  "PIN changed.": "暗証番号を変更しました。",
  Lock: "ロック",
  "Choose your PIN": "暗証番号を決めてください",
  "The window is locked": "画面をロックしました",
  Board: "業務ボード",
  "My work": "承認待ち・作業",
  Register: "受診券リスト",
  Inquiries: "問合せ",
  "Imports & reports": "取込・帳票",
  "Archive & print": "事跡・印刷",
  "This laptop's data is protected by a passphrase.": "この端末のデータはパスフレーズで保護されています。",
  Passphrase: "パスフレーズ",
  "Passphrase to seal (optional)": "暗号化のパスフレーズ（任意）",
  "Passphrase (sealed)": "パスフレーズ（暗号化時）",
  Open: "開く",
  "Monthly archive (事跡)": "月次の事跡",
  "Every batch touched in the month: lists, sign-offs, inquiries and returns, the register's access log, a PDF summary, signed. Contains personal data.":
    "その月に動きのあった全バッチのリスト・記録（確認・検認・決裁）・問合せ・返送、受診券リストの照会記録と PDF の要約を、署名付きで1つの ZIP ファイルにまとめます。個人情報を含みます。",
  lookups: "照会",
  "Archive saved": "事跡を保存しました",
  batches: "バッチ",
  "sign-offs": "記録",
  lists: "リスト",
  "Check an archive": "事跡の検査",
  "Closing a fiscal year (年度締め)": "年度締め",
  "Once the year is over and each of its months was archived after it ended, an approver closes it: its batches stay readable and take no new entries.":
    "年度が終わり、各月の事跡を月が終わってから出力したら、決裁者が年度を締めます。締めた年度の業務は読めますが、記録は追加できません。",
  "Fiscal year": "年度",
  "fiscal year suffix": "度",
  "Close the year": "年度を締める",
  "takes no new entries once closed.": "を締めると、この年度の業務には記録を追加できなくなります。",
  "Fiscal year closed": "年度を締めました",
  "No fiscal year is closed yet": "締めた年度はまだありません",
  "closed by": "締めた人:",
  "Keeping and deletion (保存期間)": "保存期間",
  "Records are kept five years from the fiscal year after they were made (基準第10条); those of a person who left the insurer, to the end of the fiscal year after they left. Once a closed year is past that, an approver deletes it: from every laptop, with its space given back.":
    "記録は作成の翌年度から5年間、資格を喪失した方の記録は喪失の翌年度末まで保存します（基準第10条）。年度締めをした年度がそれを過ぎたら、決裁者が削除します。すべての端末から消え、領域も返します。",
  Batches: "業務数",
  "Kept until": "保存期限",
  "is deleted from every laptop; only the decision stays.": "の記録をすべての端末から削除します。残るのは削除の決定だけです。",
  "Records deleted": "記録を削除しました",
  Delete: "削除",
  Deleted: "削除済み",
  "Due for deletion": "削除できます",
  "Past its keeping (close the year first)": "保存期間満了（先に年度締め）",
  "Persons who left the insurer": "資格喪失者",
  Replaced: "差し替え済み（資格喪失者の削除）",
  "None due": "該当なし",
  "Past their keeping (close the year first)": "保存期間満了（先に年度締め）",
  "'s rows are deleted from every list, on every laptop; only the decision stays.": "の行を、すべてのリストからすべての端末で削除します。残るのは削除の決定だけです。",
  "Departed persons' rows deleted": "資格喪失者の行を削除しました",
  "since then, departed persons' rows deleted": "その後、資格喪失者の削除で減った行",
  before: "削除前",
  Kept: "保存中",
  "exported by": "出力者",
  files: "ファイル",
  "OK: every hash and signature checks out": "OK: 全ファイルのハッシュと全署名を確認しました",
  Print: "印刷",
  "Issuing batches: the standard voucher, on A4 for window envelopes or as cards. Reissue batches: vouchers for window envelopes. Encouragement batches: the postcards' address list.":
    "発行のバッチは標準様式の受診券（A4 窓あき封筒用かカード）、再発行のバッチは窓あき封筒用の受診券、受診勧奨のバッチははがきの宛名一覧を PDF にします。",
  "Save PDF": "PDF を保存",
  Export: "出力",
  "Acting as": "担当者",
  Process: "業務",
  Month: "月",
  State: "状態",
  All: "すべて",
  Batch: "バッチ",
  Step: "工程",
  Counts: "件数",
  Flagged: "要確認（承認前の記録）",
  "Verified again": "再検認済み",
  "Does not count": "無効（数えない）",
  "Suspected tampering": "改ざんの疑い",
  "Entries deleted or changed after they were written count as they were signed; what was done to them:":
    "記録の後で削除・変更された項目は、署名されたとおりに数えます。行われた変更:",
  Note: "備考",
  Reason: "理由",
  Do: "完了を記録",
  Verify: "検認",
  Approve: "決裁",
  "Send back": "差戻し",
  History: "履歴",
  "Nothing waits for you.": "対応待ちはありません。",
  "Waiting for your verify or approval": "検認・決裁待ち",
  "What you can do next": "次にできる作業",
  "Evidence": "根拠",
  Lists: "リスト",
  "Search: number, kana, name, postal code": "検索：受診券整理番号・カナ・氏名・郵便番号",
  "A voucher of a batch this laptop does not hold": "この端末にない業務の受診券です（表示できません）",
  found: "件",
  "Voucher number": "受診券整理番号",
  Name: "氏名",
  Kana: "カナ氏名",
  Birth: "生年月日",
  Postal: "郵便番号",
  Address: "住所",
  Status: "状態",
  "Who called": "問合せ元",
  Answer: "回答",
  "Log the call": "記録",
  "Not in the register": "受診券リストにありません",
  "Logged": "記録しました",
  "Import a list": "リストの取込",
  Kind: "種類",
  File: "ファイル",
  "Choose…": "選択…",
  Check: "確認",
  Import: "取込",
  Reports: "帳票",
  Show: "表示",
  "Save…": "保存…",
  Format: "形式",
  Encoding: "文字コード",
  rows: "行",
  problems: "件の問題",
  "No problems: ready to import": "問題なし：取り込めます",
  Imported: "取り込みました",
  Saved: "保存しました",
  Recorded: "記録しました",
  Language: "English",
  "blocked by": "待機",
  "Select a step on the board.": "ボードの工程を選ぶと詳細を表示します。",
  Refused: "できません",
  Sync: "同期",
  "just now": "たった今",
  " min ago": "分前",
  " h ago": "時間前",
  "Sync paused": "同期停止中",
  "Not syncing": "同期していません",
  "Last sync": "最終同期",
  " with, ": " と ",
  "Never synced": "未同期",
  "Unsynced entries": "未同期の記録",
  " entries": "件",
  "Not received by the section since": "課の端末に届いていない記録があります。最古の記録:",
  "never seen": "一度も接続していません",
  "not seen since": "最終接続",
  "the port is in use by another program; choose another port below. This laptop works offline until then.":
    "このポートは他のプログラムが使用中です。下の設定で別のポートを指定してください。それまでこの端末はオフラインで作業できます。",
  "cannot listen": "待ち受けできません",
  "Laptops on the LAN cannot be found automatically; add their addresses below.":
    "LAN 上の端末を自動で見つけられません。下に相手の端末のアドレスを追加してください。",
  "Another Kenshin (kenshin serve or kenshin sync) is syncing this laptop's data; this window syncs once it stops.":
    "別の Kenshin（kenshin serve または kenshin sync）がこの端末のデータを同期しています。それが終わるとこの画面から同期できます。",
  "Sync could not start": "同期を開始できません",
  "Paused: this laptop works offline. Resume to send and receive.": "同期停止中：この端末はオフラインで作業します。送受信するには同期を再開してください。",
  "Syncing. Other laptops reach this one at": "同期中。他の端末からの接続先:",
  "Syncing (not accepting other laptops)": "同期中（他の端末からの接続は受け付けていません）",
  "Sync resumed": "同期を再開しました",
  "Resume sync": "同期を再開",
  "Pause sync (offline)": "同期を停止（オフライン作業）",
  "Dialling every laptop now": "すべての端末に接続しています",
  "Sync now": "今すぐ同期",
  relay: "中継サーバ",
  Connected: "接続中",
  "Not connected": "未接続",
  Member: "担当者",
  Role: "所属",
  "Network address": "アドレス",
  Connection: "接続",
  "Last seen": "最終接続",
  "Last synced": "最終同期",
  "Documents to sync": "同期待ちの文書",
  "No laptop met yet.": "まだどの端末とも接続していません。",
  Settings: "設定",
  "This laptop's address (HOST:PORT)": "この端末の待ち受けアドレス（ホスト:ポート）",
  "Find laptops on the LAN automatically (mDNS)": "LAN 上の端末を自動で探す（mDNS）",
  Save: "保存",
  "Add a laptop by address": "アドレスで端末を追加",
  Add: "追加",
  Added: "追加しました",
  Remove: "削除",
  Removed: "削除しました",
  "Specific health checkup vouchers": "特定健診受診券",
  "Join with an invite file": "招待ファイルで参加",
  "The office's admin gives you an invite file. Choose it, and give the address of the admin's laptop if this network does not find it by itself.":
    "事務所の管理者から受け取った招待ファイルを選んでください。この端末が管理者の端末を自動で見つけられないネットワークでは、そのアドレスも入力します。",
  "Invite file": "招待ファイル",
  "Address of the admin's laptop (optional)": "管理者の端末のアドレス（任意）",
  Join: "参加",
  "Make a new office": "新しい事務所を作る",
  "This laptop founds the office and you are its first admin.": "この端末で事務所を作成し、あなたが最初の管理者になります。",
  "Office name": "事務所名",
  "Your name": "あなたの氏名",
  "Make the office": "作成",
  "Open the demo": "デモを開く",
  "A made-up office with synthetic residents, to try everything. No real personal data.":
    "架空の住民データで全機能を試せるデモ事務所です。実在の個人情報は含みません。",
  "Making the demo office (about 10 seconds)…": "デモ事務所を作成しています（10秒ほど）…",
  "Opening the office…": "事務所のデータを開いています…",
  "Joining the office": "事務所に参加しています",
  "Read this fingerprint aloud with the admin who made the invite": "招待した管理者とこの照合番号を読み合わせてください",
  "Documents received": "受信した文書",
  "Receiving documents": "文書を受信中",
  "Waiting for the admin's laptop. The board opens by itself when everything has arrived.":
    "管理者の端末から受信しています。すべて届くと業務ボードが自動で開きます。",
  "Open the board now (the rest arrives meanwhile)": "今すぐ業務ボードを開く（残りは後から届きます）",
  "Invite a laptop": "端末の招待",
  "Only an office admin can invite laptops.": "端末を招待できるのは事務所の管理者だけです。",
  "Approver (決裁権限)": "決裁権限あり",
  "Save the invite file": "招待ファイルを保存",
  "Invite saved": "招待ファイルを保存しました",
  "Fingerprint to read aloud": "読み合わせる照合番号",
  Roster: "名簿",
  "refused to sync with this laptop": "がこの端末との同期を断りました",
  "This laptop refused the connection from": "この端末は次の接続を断りました:",
  "That laptop belongs to another office.": "別の事務所の端末です。",
  "That laptop is not in this office's roster.": "この事務所の名簿にない端末です。",
  " was removed from the roster.": " は名簿から削除されています。",
  "The laptop's key is not the one the roster holds for": "名簿にある鍵と違う端末です（複製されたデータの可能性があります）:",
  "The invite does not admit this laptop (used, expired, or made for another laptop).":
    "この招待ファイルでは参加できません（使用済み・期限切れ・別の端末用）。",
  "That laptop runs an older Kenshin: update it.": "相手の端末の Kenshin が古い版です。更新してください。",
  "The connection ended before it could be judged.": "接続が確認の前に切れました。",
  "is removed from the roster: that laptop is cut off and can no longer sync.": "を名簿から削除します。その端末は直ちに切断され、以後同期できません。",
  "Removed from the roster": "名簿から削除しました",
  "Remove from the roster": "名簿から削除",
  Cancel: "やめる",
  "What was said (optional)": "伝えた内容（任意）",
  "envelopes=405 pulled=3": "封入数=405 引抜き数=3",
  Age: "年齢",
  Sex: "性別",
  "Age at the end of the fiscal year": "年度末年齢",
  " years at the end of the fiscal year": "歳（年度末）",
  "Log a call about it": "この受診券の問合せを記録",
  "Returned mail": "返戻",
  "Returned so far": "返戻の記録",
  "Details (optional)": "詳細（任意）",
  "Day it came back": "返戻日",
  "Record the return": "返戻を記録",
  Valid: "有効",
  "Not valid": "無効",
  "Day of the call": "問合せ日",
  "Counts toward": "計上するバッチ",
  "Choose the batch the call counts toward": "問合せを計上するバッチを選んでください",
  "No batch takes calls: make a process 4 batch on the board": "問合せを受け付けるバッチがありません。業務ボードで業務4のバッチを作成してください",
  "Calls about this voucher so far": "この受診券へのこれまでの問合せ",
  "New batch": "新しいバッチ",
  Label: "名称",
  "Make the batch": "バッチを作成",
  "Batch made": "バッチを作成しました",
  "Choose the month": "月を選んでください",
  "Give the batch a label": "名称を入力してください",
  "The label is too long": "名称が長すぎます",
  " characters at most": "文字まで",
  "A batch of this process already has this label": "同じ業務に同じ名称のバッチがあります",
  "A batch of this process is already for this month": "同じ業務・同じ月のバッチがあります",
  "Make it all the same": "確認のうえ、それでも作成する",
  "Tick the box to make a second batch for this month": "同じ月に2つ目のバッチを作るには、確認の欄にチェックを入れてください",
  Contractor: "委託事業者",
  "No file chosen": "ファイル未選択",
  "Search the list": "リスト内を検索",
  " rows found": "行",
  "Compared with": "比較先",
  "Not in it": "比較先にない方",
  "Left out": "比較先にあって、このリストにない方",
  "Pulled out": "引抜き者リストで引き抜く方",
  " people": "人",
  none: "なし",
  Close: "閉じる",
  "Open the list": "リストの内容を開く",
  Refresh: "更新",
  New: "新着",
  "Recorded elsewhere": "他の端末で記録済み",
  "Check before signing": "記録の確認",
  "Record checked": "確認する記録",
  "Signed by": "記録する人",
  Action: "操作",
  None: "なし",
  "Sign as shown": "この内容で記録する",
  "Enter signs; Escape goes back without signing.": "Enter で記録、Esc で記録せずに戻ります。",
  "Office admin": "管理者",
  Approver: "決裁権限",
  Authority: "権限",
  "This laptop": "この端末",
  "Cannot read the count": "件数が読めません: ",
  " (for example 封入数=405)": "（例: 封入数=405 引抜き数=3）",
  "Import it all the same": "確認のうえ、それでも取り込む",
  "File it all the same": "確認のうえ、それでも出力する",
  "Passphrase again": "パスフレーズ（確認）",
  "The two passphrases differ": "2つのパスフレーズが一致しません",
  "Before saving, check:": "出力の前に確認してください:",
  Preview: "プレビュー",
  "Preview before saving the PDF": "PDF を保存する前にプレビューで内容を確かめてください",
  "sheets to print": "件を印刷します",
  Section: "健康推進課",
};

export function t(key: string): string {
  return lang === "ja" ? (ja[key] ?? key) : key;
}

/// Persons who lost coverage on or before `day` (資格喪失者の削除).
export function lostBy(day: string): string {
  return lang === "ja" ? `喪失日 ${day} 以前` : `lost coverage on or before ${day}`;
}

const statusJa: Record<Status, string> = {
  blocked: "待機",
  open: "未着手",
  done: "完了",
  sent_back: "差戻し",
  awaiting_verify: "検認待ち",
  awaiting_approval: "決裁待ち",
  verified: "検認済",
  approved: "決裁済",
};

export function statusText(s: Status): string {
  return lang === "ja" ? statusJa[s] : s.replace("_", " ");
}

const voucherJa: Record<VoucherStatus, string> = {
  listed: "名簿登載",
  pulled_out: "引抜",
  sent: "発送済",
  returned: "返送",
  coverage_lost: "資格喪失",
};

export function voucherStatusText(s: VoucherStatus): string {
  return lang === "ja" ? voucherJa[s] : s.replace("_", " ");
}

const eventJa: Record<EventKind, string> = {
  pulled_out: "引抜",
  returned: "返送",
  reissued: "再発行",
  inquiry: "問合せ",
  checkup_taken: "受診済",
  coverage_lost: "資格喪失",
};

export function eventText(k: EventKind): string {
  return lang === "ja" ? eventJa[k] : k.replace("_", " ");
}

const processJa: Record<ProcessId, string> = {
  "1-1": "年次",
  "1-2": "月次",
  "2": "75歳到達",
  "3": "再交付",
  "4": "問合せ",
  "5": "勧奨",
};
const processEn: Record<ProcessId, string> = {
  "1-1": "annual",
  "1-2": "monthly",
  "2": "reaching 75",
  "3": "reissue",
  "4": "inquiries",
  "5": "encouragement",
};

/// A command's refusal in the window's language (the core says each in both); anything else as text.
export function refusalText(e: unknown): string {
  const r = e as Partial<Refusal> | null;
  if (r && typeof r === "object" && typeof r.ja === "string") return lang === "ja" ? r.ja : (r.en ?? r.ja);
  return String(e);
}

/// A field's problem, in the window's language.
export function fieldText(f: FieldSaid): string {
  return lang === "ja" ? f.ja : f.en;
}

const actionJa: Record<Action, string> = { do: "実施", verify: "検認", approve: "決裁" };

const markingJa: Record<Exclude<Ask, "plain">, string> = { withdraw: "取下げ", deputy: "代決", review: "後閲" };
const markingEn: Record<Exclude<Ask, "plain">, string> = { withdraw: "Withdraw", deputy: "Approve as deputy", review: "Review" };

/// 取下げ・代決・後閲.
export function markingText(m: Exclude<Ask, "plain">): string {
  return lang === "ja" ? markingJa[m] : markingEn[m];
}

/// 実施・検認・決裁.
export function actionText(a: Action): string {
  return lang === "ja" ? actionJa[a] : a;
}

/// The send-back that reopened a step, said where the work is to be redone.
export function sentBackText(e: SignOffView): string {
  const at = new Date(e.at).toLocaleString(lang === "ja" ? "ja-JP" : "en-GB", { dateStyle: "short", timeStyle: "short" });
  return lang === "ja"
    ? `差戻し（工程${e.step} ${e.by_name}、${at}）: 「${e.send_back ?? ""}」`
    : `sent back at step ${e.step} by ${e.by_name}, ${at}: "${e.send_back ?? ""}"`;
}

/// A report by the office's name for it.
export function reportText(code: string): string {
  return lang === "ja" ? (REPORT_JA[code] ?? code) : code;
}

const day = (iso: string | null) => (iso ? new Date(iso).toLocaleDateString(lang === "ja" ? "ja-JP" : "en-GB") : "");

/// What to ask before an import, with its numbers.
export function importWarningText(w: ImportWarning): string {
  const kind = (k: keyof typeof LIST_KIND_JA) => (lang === "ja" ? LIST_KIND_JA[k] : k);
  if (w.warning === "same_rows") {
    return lang === "ja"
      ? `同じ内容の${kind(w.held)}（${w.rows}件${w.at ? "、" + day(w.at) : ""}）がこのバッチにすでにあります`
      : `this batch already holds a ${w.held} list with exactly these ${w.rows} rows`;
  }
  return lang === "ja"
    ? `${kind(w.kind)}が${w.rows}件で、${kind(w.than)}の${w.than_rows}件より多くなっています`
    : `${w.rows} rows of ${w.kind}, more than the ${w.than_rows} of the ${w.than} list`;
}

/// What to ask before filing a month.
export function archiveDoubtText(d: ArchiveDoubt): string {
  if (d.doubt === "no_sign_offs") return lang === "ja" ? "この月の記録（確認・検認・決裁）は1件もありません" : "the month holds no sign-off";
  return lang === "ja"
    ? `この月はまだ終わっていません（${day(d.last_day)}まで）。この後の記録は入りません`
    : `the month is not over until ${d.last_day}; what is recorded later is not in the file`;
}

/// A process by its short name on the workflow sheet.
export function processText(p: ProcessId): string {
  return (lang === "ja" ? processJa : processEn)[p];
}

/// 性別 as the lists code it: 1 男, 2 女.
export function sexText(code: string): string {
  const ja = lang === "ja";
  return code === "1" ? (ja ? "男" : "M") : code === "2" ? (ja ? "女" : "F") : "";
}

export function roleText(r: Role): string {
  return lang === "ja" ? (r === "section" ? "健康推進課" : "委託事業者") : r;
}
