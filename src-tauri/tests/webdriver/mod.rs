//! A W3C WebDriver harness for the real app window: Xvfb, tauri-driver (which starts WebKitWebDriver),
//! and a session on the built app. Used by the end-to-end tests and the startup benchmark.
#![allow(dead_code)]

use serde_json::{json, Value};
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Kills what it started, also when a test fails. Each child leads its own process group, so what it
/// started in turn (WebKitWebDriver, the app) goes with it.
pub struct Kill(Vec<Child>);

impl Drop for Kill {
    fn drop(&mut self) {
        for c in self.0.iter_mut().rev() {
            // TERM first, so that Xvfb removes its lock and socket; KILL what is left.
            let group = format!("-{}", c.id());
            let _ = Command::new("kill")
                .args(["-s", "TERM", "--", &group])
                .stderr(Stdio::null())
                .status();
            let deadline = Instant::now() + Duration::from_secs(3);
            while Instant::now() < deadline && matches!(c.try_wait(), Ok(None)) {
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = Command::new("kill")
                .args(["-s", "KILL", "--", &group])
                .stderr(Stdio::null())
                .status();
            let _ = c.wait();
        }
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

pub fn wait_for(what: &str, timeout: Duration, mut ready: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ready() {
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A W3C WebDriver session on an Xvfb display.
pub struct Driver {
    pub base: String,
    pub display: String,
    /// The file the app takes its dialogs' answers from (`KENSHIN_DIALOG_ANSWERS`): a GTK dialog
    /// cannot be driven from WebDriver.
    pub answers: PathBuf,
}

impl Driver {
    /// Waits for a condition; on timeout, leaves a screenshot of the window as it was.
    pub fn until(&self, what: &str, mut ready: impl FnMut() -> bool) {
        let start = Instant::now();
        while !ready() {
            if start.elapsed() > Duration::from_secs(20) {
                screenshot(&self.display, "failure");
                panic!("timed out waiting for {what} (test-artifacts/e2e/failure.png)");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn call(&self, method: &str, path: &str, body: Value) -> Value {
        self.try_call(method, path, body)
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"))
    }

    /// A WebDriver call; an error answer is returned as its text.
    fn try_call(&self, method: &str, path: &str, body: Value) -> Result<Value, String> {
        let url = format!("{}{path}", self.base);
        let response = match method {
            "GET" => ureq::get(&url).call(),
            "DELETE" => ureq::delete(&url).call(),
            _ => ureq::post(&url).send_json(body),
        };
        match response {
            Ok(r) => Ok(r.into_json::<Value>().expect("json answer")["value"].clone()),
            Err(ureq::Error::Status(code, r)) => {
                Err(format!("{code} {}", r.into_string().unwrap_or_default()))
            }
            Err(e) => Err(e.to_string()),
        }
    }

    /// Runs `act` on the element `css` finds, finding it again when a redraw replaced it between
    /// the two calls (screens are drawn anew when peers' documents arrive).
    fn on_element(&self, css: &str, act: impl Fn(&str) -> Result<Value, String>) -> Value {
        let mut done = None;
        self.until(css, || {
            let Some(el) = self.find(css) else {
                return false;
            };
            match act(&el) {
                Ok(v) => done = Some(v),
                Err(e) if e.contains("stale element") => {}
                Err(e) => panic!("{css}: {e}"),
            }
            done.is_some()
        });
        done.expect("done")
    }

    pub fn find(&self, css: &str) -> Option<String> {
        let url = format!("{}/element", self.base);
        let r = ureq::post(&url).send_json(json!({"using": "css selector", "value": css}));
        match r {
            Ok(r) => {
                let v: Value = r.into_json().ok()?;
                v["value"]
                    .as_object()?
                    .values()
                    .next()?
                    .as_str()
                    .map(str::to_string)
            }
            Err(_) => None,
        }
    }

    pub fn wait(&self, css: &str) -> String {
        let mut found = None;
        self.until(css, || {
            found = self.find(css);
            found.is_some()
        });
        found.expect("found")
    }

    /// Waits until an element has text, and returns it.
    pub fn wait_text(&self, css: &str) -> String {
        let mut text = String::new();
        self.until(css, || {
            text = self.find(css).map(|_| self.text(css)).unwrap_or_default();
            !text.is_empty()
        });
        text
    }

    pub fn click(&self, css: &str) {
        self.on_element(css, |el| {
            self.try_call("POST", &format!("/element/{el}/click"), json!({}))
        });
    }

    pub fn type_into(&self, css: &str, text: &str) {
        self.on_element(css, |el| {
            self.try_call("POST", &format!("/element/{el}/clear"), json!({}))?;
            self.try_call(
                "POST",
                &format!("/element/{el}/value"),
                json!({"text": text}),
            )
        });
    }

    pub fn text(&self, css: &str) -> String {
        self.on_element(css, |el| {
            self.try_call("GET", &format!("/element/{el}/text"), json!({}))
        })
        .as_str()
        .unwrap_or_default()
        .to_string()
    }

    pub fn script(&self, script: &str, args: Value) -> Value {
        self.call(
            "POST",
            "/execute/sync",
            json!({"script": script, "args": args}),
        )
    }

    /// Chooses the acting member in the header, signs in as them with [`PIN`] and waits for the
    /// window to redraw.
    pub fn act_as(&self, member_id: &str) {
        self.choose_member(member_id);
        self.sign_in(PIN);
    }

    /// Chooses a member in the header: the sign-in asks for their PIN.
    pub fn choose_member(&self, member_id: &str) {
        self.script(
            "document.body.dataset.ready = '';
             const s = document.querySelector('select[name=acting-as]');
             s.value = arguments[0]; s.dispatchEvent(new Event('change'));",
            json!([member_id]),
        );
        self.wait("body[data-ready=sign-in]");
    }

    /// Answers the sign-in shown for its member: `pin`, or (a member who has none yet) `pin` chosen
    /// and typed twice; waits until the window is past it.
    pub fn sign_in(&self, pin: &str) {
        self.wait("body[data-ready=sign-in]");
        if self
            .find("form[data-form=sign-in] input[name=secret]")
            .is_some()
        {
            self.type_into("form[data-form=sign-in] input[name=secret]", pin);
        } else {
            self.type_into("form[data-form=sign-in] input[name=new-secret]", pin);
            self.type_into("form[data-form=sign-in] input[name=new-secret-again]", pin);
        }
        self.script("document.body.dataset.ready = '';", json!([]));
        self.click("form[data-form=sign-in] button[type=submit]");
        self.wait("body[data-ready]:not([data-ready='']):not([data-ready=sign-in])");
    }

    /// Sizes the window as a laptop's screen would, and waits until the page has that width.
    pub fn resize(&self, width: u32, height: u32) {
        self.call(
            "POST",
            "/window/rect",
            json!({"width": width, "height": height}),
        );
        self.until(&format!("a {width} px wide window"), || {
            self.script("return window.outerWidth", json!([])) == json!(width)
        });
    }

    pub fn screen(&self, name: &str) {
        self.script("document.body.dataset.ready = '';", json!([]));
        self.click(&format!("nav button[data-screen={name}]"));
        self.wait(&format!("body[data-ready={name}]"));
    }

    /// Chooses a file as the system's dialog would: the window keeps its path in a hidden input
    /// (WebDriver cannot drive the dialog itself).
    /// Chooses `path` in the file field `name`: the field's button asks the shell for its dialog,
    /// which answers with `path`; waits until the field shows the file's name.
    pub fn choose_file(&self, name: &str, path: &Path) {
        std::fs::write(&self.answers, path.to_str().expect("utf-8 path")).expect("dialog answer");
        self.click(&format!("button[data-choose='{name}']"));
        let file = path
            .file_name()
            .and_then(|f| f.to_str())
            .expect("a file name");
        self.until(&format!("{file} chosen in {name}"), || {
            self.script(
                &format!("return document.querySelector(\"[data-file='{name}']\").textContent"),
                json!([]),
            ) == json!(file)
        });
    }

    /// Waits until the message line says something, and returns it.
    pub fn message(&self) -> String {
        let mut text = String::new();
        self.until("a message", || {
            text = self.text("#message");
            !text.is_empty()
        });
        text
    }
}

pub fn screenshot(display: &str, name: &str) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../test-artifacts/e2e");
    std::fs::create_dir_all(&dir).expect("artifacts dir");
    let file = dir.join(format!("{name}.png"));
    let status = Command::new("import")
        .args(["-display", display, "-window", "root"])
        .arg(&file)
        .status()
        .expect("run ImageMagick import");
    assert!(status.success(), "screenshot {name}");
}

/// What runs behind a session: Xvfb and tauri-driver, stopped when this is dropped.
pub struct Window {
    _started: Kill,
    /// When the app was asked to start (the WebDriver session request).
    pub launched: Instant,
}

/// A private D-Bus session bus, as a desktop session has: the app follows its screensaver.
pub struct SessionBus {
    _daemon: Kill,
    pub address: String,
}

impl SessionBus {
    pub fn start() -> SessionBus {
        let mut child = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("dbus-daemon (apt: dbus-daemon)");
        let mut address = String::new();
        std::io::BufRead::read_line(
            &mut std::io::BufReader::new(child.stdout.take().expect("stdout")),
            &mut address,
        )
        .expect("the bus's address");
        SessionBus {
            _daemon: Kill(vec![child]),
            address: address.trim().to_string(),
        }
    }

    /// The desktop locks its screen: the screensaver says so on the bus.
    pub fn screen_locked(&self) {
        let sent = Command::new("dbus-send")
            .args([
                "--session",
                "--type=signal",
                "/org/freedesktop/ScreenSaver",
                "org.freedesktop.ScreenSaver.ActiveChanged",
                "boolean:true",
            ])
            .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .status()
            .expect("dbus-send (apt: dbus-bin)");
        assert!(sent.success());
    }
}

/// The PIN every member chooses in these tests.
pub const PIN: &str = "135790";

impl Window {
    /// Opens the app on `home` under a fresh Xvfb display; returns the driver once the session is open.
    pub fn open(home: &Path) -> (Driver, Window) {
        Window::open_with(home, &[])
    }

    /// As [`Window::open`], with more environment for the app (a short idle time).
    pub fn open_with(home: &Path, env: &[(&str, &str)]) -> (Driver, Window) {
        // A display nobody holds: no lock file and no socket (a killed server can leave either).
        let display_no = (90..400)
            .find(|n| {
                !Path::new(&format!("/tmp/.X{n}-lock")).exists()
                    && !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
            })
            .expect("a free X display");
        let display = format!(":{display_no}");
        let socket = PathBuf::from(format!("/tmp/.X11-unix/X{display_no}"));
        let mut guard = Kill(Vec::new());
        guard.0.push(
            Command::new("Xvfb")
                .args([
                    display.as_str(),
                    "-screen",
                    "0",
                    "1280x800x24",
                    "-nolisten",
                    "tcp",
                ])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .process_group(0)
                .spawn()
                .expect("Xvfb (apt: xvfb)"),
        );
        wait_for("Xvfb", Duration::from_secs(10), || socket.exists());

        let (port, native) = (free_port(), free_port());
        guard.0.push(
            Command::new("tauri-driver")
                .args([
                    "--port",
                    &port.to_string(),
                    "--native-port",
                    &native.to_string(),
                ])
                .env("DISPLAY", &display)
                .env("WEBKIT_DISABLE_DMABUF_RENDERER", "1")
                .env("KENSHIN_HOME", home)
                // The webview's own storage (language choice, caches) stays inside this run.
                .env("XDG_DATA_HOME", home.join("xdg-data"))
                .env("XDG_CACHE_HOME", home.join("xdg-cache"))
                .env("KENSHIN_DIALOG_ANSWERS", home.join("dialog-answers"))
                .envs(env.iter().copied())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .process_group(0)
                .spawn()
                .expect("tauri-driver (cargo install tauri-driver --locked)"),
        );
        // tauri-driver answers before the WebKitWebDriver it starts does: wait for both.
        wait_for(
            "tauri-driver and WebKitWebDriver",
            Duration::from_secs(10),
            || {
                [port, native]
                    .iter()
                    .all(|p| std::net::TcpStream::connect(("127.0.0.1", *p)).is_ok())
            },
        );

        let app = env!("CARGO_BIN_EXE_kenshin-desktop");
        let launched = Instant::now();
        let session: Value = ureq::post(&format!("http://127.0.0.1:{port}/session"))
            .send_json(
                json!({"capabilities": {"alwaysMatch": {"tauri:options": {"application": app}}}}),
            )
            .expect("new session")
            .into_json()
            .expect("session json");
        let session_id = session["value"]["sessionId"].as_str().expect("session id");
        let d = Driver {
            base: format!("http://127.0.0.1:{port}/session/{session_id}"),
            display: display.clone(),
            answers: home.join("dialog-answers"),
        };
        (
            d,
            Window {
                _started: guard,
                launched,
            },
        )
    }
}

fn proc_field(pid: &str, field: &str) -> Option<u64> {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()?
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
}

/// The running app's process id, and every process's id.
fn app_and_pids() -> Option<(String, Vec<String>)> {
    let pids: Vec<String> = std::fs::read_dir("/proc")
        .ok()?
        .flatten()
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|p| p.bytes().all(|b| b.is_ascii_digit()))
        .collect();
    let comm = |p: &str| std::fs::read_to_string(format!("/proc/{p}/comm")).unwrap_or_default();
    let app = pids
        .iter()
        .find(|p| comm(p).trim() == "kenshin-desktop")?
        .clone();
    Some((app, pids))
}

/// `field` of /proc/<pid>/status in kB, summed over the processes the app started (WebKit's).
fn children_sum(app: &str, pids: &[String], field: &str) -> u64 {
    let app: u64 = app.parse().unwrap_or(0);
    pids.iter()
        .filter(|p| proc_field(p, "PPid:") == Some(app))
        .filter_map(|p| proc_field(p, field))
        .sum()
}

/// The resident memory of the running app in kB: its own process, and with the WebKit processes it
/// started (web content, network) added.
pub fn app_rss_kb() -> Option<(u64, u64)> {
    let (app, pids) = app_and_pids()?;
    let own = proc_field(&app, "VmRSS:")?;
    Some((own, own + children_sum(&app, &pids, "VmRSS:")))
}

/// The resident memory of the WebKit processes the app started in kB: anonymous (their heaps) and
/// file-backed (libraries and fonts they touched).
pub fn webkit_rss_split_kb() -> Option<(u64, u64)> {
    let (app, pids) = app_and_pids()?;
    Some((
        children_sum(&app, &pids, "RssAnon:"),
        children_sum(&app, &pids, "RssFile:"),
    ))
}
