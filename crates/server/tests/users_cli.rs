//! The command line of user administration and the demo's guard, run as the binary:
//! `user add | list | disable | enable | passwd | revoke`, `serve --demo` refused on a
//! network address without `--demo-on-network`, and demo users disabled by a start
//! without `--demo`.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

use chrono::Utc;
use uuid::Uuid;
use zakupka_core::wire::Refusal;
use zakupka_server::{Db, auth};

mod common;
use common::{BIN, seeds};

/// Runs `zakupka-server user <args> --db <db>` with `stdin` as its input.
fn user(db: &Path, args: &[&str], stdin: &str) -> Output {
    user_in(Path::new("."), db, args, stdin)
}

/// [`user`], run in the folder `cwd`.
fn user_in(cwd: &Path, db: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(BIN)
        .arg("user")
        .args(args)
        .arg("--db")
        .arg(db)
        .current_dir(cwd)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[track_caller]
fn ok(o: Output) -> String {
    assert!(o.status.success(), "{}", text(&o));
    text(&o)
}

#[track_caller]
fn refused(o: Output) -> String {
    assert!(!o.status.success(), "expected a refusal: {}", text(&o));
    text(&o)
}

/// The `user list` line of `login`.
fn listed(db: &Path, login: &str) -> String {
    let out = ok(user(db, &["list"], ""));
    out.lines()
        .find(|l| l.split_whitespace().next() == Some(login))
        .unwrap_or_else(|| panic!("{login} not in\n{out}"))
        .to_owned()
}

fn sign_in(db: &Path, login: &str, password: &str) -> Result<String, Refusal> {
    let database = Db::open(db).unwrap();
    database
        .blocking(|c| auth::login(c, login, password, Uuid::now_v7(), Utc::now()))
        .map(|issued| issued.token)
        .map_err(|e| e.code())
}

#[test]
fn users_are_added_listed_disabled_enabled_given_passwords_and_revoked() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("z.db");
    let out = refused(user(
        &db,
        &["add", "alice", "--role", "auditor"],
        "secret1\n",
    ));
    assert!(out.contains("at least 10 characters"), "{out}");
    let out = refused(user(
        &db,
        &["add", "alice", "--role", "auditor"],
        "password123\n",
    ));
    assert!(out.contains("common password"), "{out}");
    ok(user(
        &db,
        &["add", "alice", "--role", "auditor"],
        "violet ice morning\n",
    ));
    assert!(listed(&db, "alice").contains("active"));

    sign_in(&db, "alice", "violet ice morning").unwrap();
    sign_in(&db, "alice", "violet ice morning").unwrap();
    let out = ok(user(&db, &["revoke", "alice"], ""));
    assert!(out.contains("2 tokens of alice revoked"), "{out}");

    let token = sign_in(&db, "alice", "violet ice morning").unwrap();
    ok(user(&db, &["disable", "alice"], ""));
    assert!(listed(&db, "alice").contains("disabled"));
    assert_eq!(
        sign_in(&db, "alice", "violet ice morning"),
        Err(Refusal::AccountDisabled)
    );
    ok(user(&db, &["enable", "alice"], ""));
    assert!(listed(&db, "alice").contains("active"));
    let database = Db::open(&db).unwrap();
    let e = database
        .blocking(|c| auth::caller(c, token.clone(), Utc::now()))
        .unwrap_err();
    assert_eq!(e.code(), Refusal::SignInAgain, "disabling revoked it");

    // A new password from standard input: the policy applies, then old tokens go.
    let token = sign_in(&db, "alice", "violet ice morning").unwrap();
    let out = refused(user(&db, &["passwd", "alice"], "qwertyuiop\n"));
    assert!(out.contains("common password"), "{out}");
    sign_in(&db, "alice", "violet ice morning").unwrap();
    ok(user(&db, &["passwd", "alice"], "amber river lantern\n"));
    assert_eq!(
        sign_in(&db, "alice", "violet ice morning"),
        Err(Refusal::WrongCredentials)
    );
    sign_in(&db, "alice", "amber river lantern").unwrap();
    let e = database
        .blocking(|c| auth::caller(c, token.clone(), Utc::now()))
        .unwrap_err();
    assert_eq!(e.code(), Refusal::SignInAgain);

    let out = refused(user(&db, &["disable", "nobody"], ""));
    assert!(out.contains("no user `nobody`"), "{out}");
}

/// `serve` with `args` on a fresh port; returns the child once it listens and the log
/// lines printed until then.
fn serve(db: &Path, args: &[&str]) -> (Child, Vec<String>) {
    let mut child = Command::new(BIN)
        .args(["serve", "--web", "/nonexistent", "--db"])
        .arg(db)
        .arg("--seeds")
        .arg(seeds())
        .args(args)
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut seen = Vec::new();
    loop {
        let line = lines
            .next()
            .unwrap_or_else(|| panic!("the server stopped before listening: {seen:?}"))
            .unwrap();
        let listening = line.contains("serves http://");
        seen.push(line);
        if listening {
            break;
        }
    }
    std::thread::spawn(move || lines.for_each(drop));
    (child, seen)
}

fn stop(mut child: Child) {
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn the_demo_is_refused_on_a_network_address_unless_asked_for_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("z.db");
    for listen in ["0.0.0.0:0", "[::]:0", "192.0.2.1:8080"] {
        let out = Command::new(BIN)
            .args(["serve", "--demo", "--listen", listen, "--db"])
            .arg(&db)
            .arg("--seeds")
            .arg(seeds())
            .output()
            .unwrap();
        let said = text(&out);
        assert!(!out.status.success(), "{listen}: {said}");
        assert!(said.contains("--demo-on-network"), "{said}");
        assert!(!db.exists(), "nothing is created");
    }
    let (child, log) = serve(
        &db,
        &["--demo", "--demo-on-network", "--listen", "0.0.0.0:0"],
    );
    stop(child);
    assert!(
        log.iter()
            .any(|l| l.contains("WARN") && l.contains("--demo-on-network")),
        "{log:#?}"
    );
}

#[test]
fn demo_users_are_disabled_when_the_server_starts_without_the_demo() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("z.db");
    let (child, _) = serve(&db, &["--demo", "--listen", "127.0.0.1:0"]);
    stop(child);
    assert!(listed(&db, "supervisor").contains("demo"));
    let token = sign_in(&db, "supervisor", "demo").unwrap();

    let (child, log) = serve(&db, &["--listen", "127.0.0.1:0"]);
    stop(child);
    assert!(
        log.iter().any(|l| l.contains("demo users")),
        "the log says so: {log:#?}"
    );
    for login in ["auditor1", "auditor2", "supervisor"] {
        assert!(listed(&db, login).contains("disabled"), "{login}");
    }
    assert_eq!(
        sign_in(&db, "supervisor", "demo"),
        Err(Refusal::AccountDisabled)
    );
    let database = Db::open(&db).unwrap();
    let e = database
        .blocking(|c| auth::caller(c, token.clone(), Utc::now()))
        .unwrap_err();
    assert_eq!(e.code(), Refusal::AccountDisabled);
    drop(database);

    // The demo again brings them back.
    let (child, _) = serve(&db, &["--demo", "--listen", "127.0.0.1:0"]);
    stop(child);
    sign_in(&db, "supervisor", "demo").unwrap();
}

/// An administrator adds an auditor with their branch on a deployed server, from a folder
/// that has no `seeds/` (the server carries its seeds since issue 11): the branch is checked
/// against the built-in seeds before the first start, and an unknown one is refused.
#[test]
fn a_user_is_added_with_a_branch_from_any_folder() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("z.db");
    let add = |login: &str, branch: &str| {
        let args = ["add", login, "--role", "auditor", "--branch", branch];
        user_in(dir.path(), &db, &args, "klin-violet-ice\n")
    };
    ok(add("dana", "podolsk"));
    assert!(
        listed(&db, "dana").contains("podolsk"),
        "{}",
        listed(&db, "dana")
    );
    let out = refused(add("egor", "atlantis"));
    assert!(out.contains("atlantis"), "{out}");
    assert!(!text(&user(&db, &["list"], "")).contains("egor"));
}

/// A manager heads a branch: added without one is refused (nothing stored), with one they
/// are listed as a manager of it and can sign in.
#[test]
fn a_manager_is_added_only_with_the_branch_they_head() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("z.db");
    let out = refused(user(
        &db,
        &["add", "masha", "--role", "manager"],
        "klin-violet-ice\n",
    ));
    assert!(out.contains("--branch"), "{out}");
    assert!(!text(&user(&db, &["list"], "")).contains("masha"));
    let args = ["add", "masha", "--role", "manager", "--branch", "serpukhov"];
    ok(user_in(dir.path(), &db, &args, "klin-violet-ice\n"));
    let line = listed(&db, "masha");
    assert!(
        line.contains("manager") && line.contains("serpukhov"),
        "{line}"
    );
    sign_in(&db, "masha", "klin-violet-ice").unwrap();
}
