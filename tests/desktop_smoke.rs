//! The desktop app starts in a real window (under Xvfb), shows the home screen with its
//! store created in the data directory and its title in the window's, and exits cleanly
//! when asked to terminate.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

struct Reaper(Child);

impl Drop for Reaper {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts Xvfb on a free display; returns it and the display name.
fn xvfb() -> (Reaper, String) {
    let mut child = Command::new("Xvfb")
        .args([
            "-displayfd",
            "1",
            "-screen",
            "0",
            "420x860x24",
            "-nolisten",
            "tcp",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("Xvfb is needed for the desktop test: apt-get install xvfb (scripts/setup does)");
    let mut number = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut number)
        .unwrap();
    (Reaper(child), format!(":{}", number.trim()))
}

fn lines_of(child: &mut Child) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    let streams: Vec<Box<dyn Read + Send>> = vec![
        Box::new(child.stdout.take().unwrap()),
        Box::new(child.stderr.take().unwrap()),
    ];
    for stream in streams {
        let tx = tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
    }
    rx
}

/// How many pixels of the screenshot have the app's accent colour (the start button).
fn accent_pixels(shot: &Path) -> usize {
    let out = Command::new("convert")
        .arg(shot)
        .args(["-format", "%c", "histogram:info:-"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.contains("#1F5FA8"))
        .filter_map(|l| l.trim().split(':').next()?.trim().parse::<usize>().ok())
        .sum()
}

#[test]
fn the_desktop_app_shows_home_and_exits_cleanly() {
    let (_x, display) = xvfb();
    let data = tempfile::tempdir().unwrap();
    let mut app = Command::new(env!("CARGO_BIN_EXE_zakupka"))
        .env("DISPLAY", &display)
        .env("ZAKUPKA_DATA_DIR", data.path())
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = lines_of(&mut app);
    let mut app = Reaper(app);

    let deadline = Instant::now() + Duration::from_secs(60);
    let mut seen = Vec::new();
    while !seen
        .iter()
        .any(|l: &String| l.contains("home screen shown"))
    {
        let left = deadline.saturating_duration_since(Instant::now());
        match lines.recv_timeout(left) {
            Ok(line) => seen.push(line),
            Err(_) => panic!(
                "no home screen within 60 s; the app said:\n{}",
                seen.join("\n")
            ),
        }
    }

    // The webview paints a moment after the component mounts. The screenshot goes under
    // target/, so that the tests leave the work tree as it was: scripts/screenshots copies
    // it into docs/.
    let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let shot = shots.join("desktop-home.png");
    let mut painted = 0;
    for _ in 0..40 {
        std::thread::sleep(Duration::from_millis(250));
        let ok = Command::new("import")
            .args(["-display", &display, "-window", "root"])
            .arg(&shot)
            .status()
            .unwrap();
        assert!(ok.success(), "screenshot failed");
        painted = accent_pixels(&shot);
        if painted > 2000 {
            break;
        }
    }
    assert!(
        painted > 2000,
        "the start button is not on screen ({painted} accent pixels)"
    );
    // The window's title says where the user is, as the web page's does (issue 14): it is
    // what the system and its screen reader show.
    let mut names = String::new();
    for _ in 0..20 {
        let out = Command::new("xwininfo")
            .args(["-display", &display, "-root", "-tree"])
            .output()
            .expect("xwininfo (x11-utils) is needed for the desktop test");
        names = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        if names.contains("Главная — Закупка") {
            break;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    assert!(
        names.contains("Главная — Закупка"),
        "the window is titled by its screen: {names}"
    );

    let store = zakupka_client::Store::open(&data.path().join("zakupka.db")).unwrap();
    assert_eq!(
        store
            .latest_template("office-visit")
            .unwrap()
            .sections
            .len(),
        5,
        "the seeds went into the store"
    );
    assert_eq!(store.directory().unwrap().unwrap().offices.len(), 134);
    drop(store);

    let pid = app.0.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = app.0.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "the app did not exit within 20 s of SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(status.success(), "exit status {status:?}");
}
