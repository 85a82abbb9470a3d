//! The `eligo` binary end to end on generated CSV files: snapshot, check,
//! prove, verify, and the bad-input matrix (exit 2, file and line named).

mod common;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn eligo(args: &[&str]) -> Run {
    eligo_in(&common::home(), args)
}

/// `eligo ARGS` with `ELIGO_HOME` set to `home`.
fn eligo_in(home: &Path, args: &[&str]) -> Run {
    let out: Output = Command::new(env!("CARGO_BIN_EXE_eligo"))
        .args(args)
        .env("ELIGO_HOME", home)
        .output()
        .expect("run eligo");
    Run {
        code: out.status.code().expect("exit code"),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The objects of a `--json` run's stdout, one per line.
fn json_lines(stdout: &str) -> Vec<serde_json::Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect(l))
        .collect()
}

/// The claim contract of tests that do not name one.
const TEST_CONTRACT: &str = "0x00000000000000000000000000000000000000c1";

/// `eligo prove --snapshot S --package P… --out O EXTRA…`, with
/// `--contract TEST_CONTRACT` and `--chain-id 1` unless EXTRA binds them.
fn prove(snapshot: &Path, packages: &[PathBuf], out: &Path, extra: &[&str]) -> Run {
    let mut args = vec!["prove", "--snapshot", s(snapshot), "--package"];
    args.extend(packages.iter().map(|p| s(p)));
    args.extend(["--out", s(out)]);
    args.extend(extra);
    // The binding is required: tests that do not choose it get one.
    if !extra.contains(&"--contract") {
        args.extend(["--contract", TEST_CONTRACT]);
    }
    if !extra.contains(&"--chain-id") && !extra.contains(&"--chain-name") {
        args.extend(["--chain-id", "1"]);
    }
    eligo(&args)
}

/// Licenses: 0 eligible (668/1000, just over), 1 at exactly 667/1000, 2 with 2 of 3,
/// 5 blacklisted, 6 airdrop, 9 over capacity, 15 eligible (last index).
fn write_inputs(dir: &Path) -> (PathBuf, PathBuf) {
    let mut tasks = String::from("license_id,task_id,epoch,outcome\n");
    let mut add = |id: u64, executed: usize, assigned: usize| {
        for i in 0..assigned {
            let o = if i < executed {
                "executed"
            } else if i % 2 == 0 {
                "failed"
            } else {
                "missed"
            };
            writeln!(tasks, "{id},{},{},{o}", id * 10_000 + i as u64, i / 100).unwrap();
        }
    };
    add(0, 668, 1000);
    add(1, 667, 1000);
    add(2, 2, 3);
    add(5, 50, 50);
    add(6, 50, 50);
    add(9, 1025, 1025);
    add(15, 10, 10);
    let t = dir.join("tasks.csv");
    std::fs::write(&t, tasks).unwrap();
    let e = dir.join("exclusions.csv");
    std::fs::write(&e, "license_id,reason\n5,blacklisted\n6,airdrop\n").unwrap();
    (t, e)
}

/// `snapshot --tasks T --exclusions E --out O --capacity C --depth D
/// --skip-over-capacity` (license 9 of [`write_inputs`] has more tasks than
/// the capacity 1,024).
fn snapshot_args<'a>(
    tasks: &'a Path,
    exclusions: &'a Path,
    out: &'a Path,
    capacity: &'a str,
    depth: &'a str,
) -> Vec<&'a str> {
    vec![
        "snapshot",
        "--tasks",
        s(tasks),
        "--exclusions",
        s(exclusions),
        "--out",
        s(out),
        "--capacity",
        capacity,
        "--depth",
        depth,
        "--skip-over-capacity",
    ]
}

fn snapshot(dir: &Path) -> PathBuf {
    let (t, e) = write_inputs(dir);
    let out = dir.join("snap");
    let r = eligo(&snapshot_args(&t, &e, &out, "1024", "4"));
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr
            .contains("license 9: 1025 tasks exceed the capacity 1024: no package"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("left out 1 license(s) over the capacity"),
        "{}",
        r.stderr
    );
    assert!(!r.stdout.contains("license 9"), "results only on stdout");
    assert!(!out.join("packages/9.json").exists());
    assert!(
        !out.join("packages/3.json").exists(),
        "no tasks, no package"
    );
    // Progress, one line per tenth when stderr is not a terminal: of the
    // input while it is read (six licenses within the capacity), then of
    // the packages as their paths are filled in.
    assert!(
        r.stderr.contains("100% of the input: 6 licenses ("),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("50%: 3 of 6 packages ("), "{}", r.stderr);
    out
}

#[test]
fn network_holder_operator_verifier_flow() {
    let dir = tempfile::tempdir().unwrap();
    let snap = snapshot(dir.path());
    let sj = snap.join("snapshot.json");
    let pkg = |id: u64| snap.join(format!("packages/{id}.json"));

    // check: verdicts and exit codes
    let r = eligo(&["check", "--snapshot", s(&sj), "--package", s(&pkg(0))]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("license 0: eligible") && r.stdout.contains("executed 668 of 1000"));
    for (id, reason) in [
        (1, "not over the threshold"),
        (2, "not over the threshold"),
        (5, "excluded: blacklisted"),
        (6, "excluded: airdrop"),
    ] {
        let r = eligo(&["check", "--snapshot", s(&sj), "--package", s(&pkg(id))]);
        assert_eq!(r.code, 1, "license {id}: {}", r.stdout);
        assert!(
            r.stdout
                .contains(&format!("license {id}: not eligible: {reason}")),
            "{}",
            r.stdout
        );
    }

    // prove refuses an ineligible license before any work
    let proofs = dir.path().join("proofs");
    let claim = [
        "--claimant",
        "0x00000000000000000000000000000000000000a1",
        "--chain-id",
        "5",
        "--contract",
        "0x00000000000000000000000000000000000000c1",
        "--option",
        "weth",
    ];
    for (id, reason) in [
        (2, "not over the threshold"),
        (5, "excluded: blacklisted"),
        (6, "excluded: airdrop"),
    ] {
        let r = prove(&sj, &[pkg(0), pkg(id)], &proofs, &claim);
        assert_eq!(r.code, 1, "{}", r.stdout);
        assert!(r
            .stdout
            .contains(&format!("license {id}: not eligible: {reason}")));
        assert!(!proofs.join("0.proof.json").exists(), "nothing proven");
    }

    // prove two licenses in one batch
    let r = prove(&sj, &[pkg(0), pkg(15)], &proofs, &claim);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let p0 = proofs.join("0.proof.json");
    let p15 = proofs.join("15.proof.json");
    assert!(p0.exists() && p15.exists());
    // existing proofs are not silently replaced
    let before = std::fs::read(&p0).unwrap();
    let r = prove(&sj, &[pkg(0)], &proofs, &claim);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(
        r.stderr.contains("0.proof.json already exist") && r.stderr.contains("--force"),
        "{}",
        r.stderr
    );
    assert_eq!(std::fs::read(&p0).unwrap(), before);
    let forced: Vec<&str> = claim.iter().copied().chain(["--force"]).collect();
    let r = prove(&sj, &[pkg(0)], &proofs, &forced);
    assert_eq!(r.code, 0, "{}", r.stderr);

    // verify: batch and one by one
    let r = eligo(&["verify", "--snapshot", s(&sj), s(&p0), s(&p15)]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(r.stdout.matches(": valid").count(), 2, "{}", r.stdout);
    let r = eligo(&["verify", "--no-batch", "--snapshot", s(&sj), s(&p0)]);
    assert_eq!(r.code, 0);

    // a tampered proof is named, the good one still valid, exit 1: the
    // last scalar (little-endian) changed in its lowest bit, still canonical
    let mut f: serde_json::Value = serde_json::from_slice(&std::fs::read(&p0).unwrap()).unwrap();
    let mut hexp = f["proof"].as_str().unwrap().to_string();
    let at = hexp.len() - 64 + 1;
    let nibble = u8::from_str_radix(&hexp[at..at + 1], 16).unwrap() ^ 1;
    hexp.replace_range(at..at + 1, &format!("{nibble:x}"));
    f["proof"] = hexp.clone().into();
    let bad = dir.path().join("bad.proof.json");
    std::fs::write(&bad, serde_json::to_vec(&f).unwrap()).unwrap();
    let r = eligo(&["verify", "--snapshot", s(&sj), s(&p15), s(&bad)]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(r.stdout.contains("15.proof.json: valid"));
    assert!(
        r.stdout
            .contains("bad.proof.json: invalid: proof does not verify: the proof's checks fail"),
        "{}",
        r.stdout
    );
    // proof bytes that do not decode (all ones: no canonical element) are
    // bad input, exit 2, named
    f["proof"] = "ff".repeat(hexp.len() / 2).into();
    let garbage = dir.path().join("garbage.proof.json");
    std::fs::write(&garbage, serde_json::to_vec(&f).unwrap()).unwrap();
    let r = eligo(&["verify", "--snapshot", s(&sj), s(&p15), s(&garbage)]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(r.stdout.contains("15.proof.json: valid"));
    assert!(
        r.stdout.contains(
            "garbage.proof.json: invalid: proof does not verify: cannot decode the proof"
        ),
        "{}",
        r.stdout
    );

    // a proof checked against another snapshot (other roots)
    let other = dir.path().join("other");
    std::fs::create_dir_all(&other).unwrap();
    let snap2 = snapshot(&other);
    let r = eligo(&[
        "verify",
        "--snapshot",
        s(&snap2.join("snapshot.json")),
        s(&p0),
    ]);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout
            .contains("invalid: registry root does not match the snapshot"),
        "{}",
        r.stdout
    );

    // a proof for another capacity: like one for other roots, a proof for
    // another snapshot, invalid (exit 1) with a clear reason
    let mut wrong: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&p0).unwrap()).unwrap();
    wrong["capacity"] = serde_json::Value::from(2048);
    let wrong_path = dir.path().join("wrong-shape.proof.json");
    std::fs::write(&wrong_path, serde_json::to_vec(&wrong).unwrap()).unwrap();
    let r = eligo(&["verify", "--snapshot", s(&sj), s(&wrong_path)]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(
        r.stdout.contains("proof is for capacity 2048"),
        "{}",
        r.stdout
    );

    // a closed stdout is not a crash
    let mut child = Command::new(env!("CARGO_BIN_EXE_eligo"))
        .args(["verify", "--snapshot", s(&sj), s(&p0)])
        .env("ELIGO_HOME", common::home())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));

    // verify builds no keys: in a home without a cached key it says how to
    // get one (exit 2); with --vk it verifies, and a foreign key is refused.
    let fresh = tempfile::tempdir().unwrap();
    let in_fresh = |args: &[&str]| eligo_in(fresh.path(), args);
    let r = in_fresh(&["verify", "--snapshot", s(&sj), s(&p0)]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("no verifying key") && r.stderr.contains("eligo params"),
        "{}",
        r.stderr
    );
    let vk = dir.path().join("1024-4.vk");
    let r = eligo(&[
        "params",
        "--capacity",
        "1024",
        "--depth",
        "4",
        "--export-vk",
        s(&vk),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = in_fresh(&[
        "verify",
        "--vk",
        s(&vk),
        "--snapshot",
        s(&sj),
        s(&p0),
        s(&p15),
    ]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    // a damaged generators cache: exit 2, naming the file
    let gens = fresh.path().join("keys/eligo-gens-k8.bin");
    let mut g = std::fs::read(&gens).unwrap();
    g[20 + 64 * 9] ^= 1;
    std::fs::write(&gens, &g).unwrap();
    let r = in_fresh(&["verify", "--vk", s(&vk), "--snapshot", s(&sj), s(&p0)]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("eligo-gens-k8.bin"), "{}", r.stderr);
    std::fs::remove_file(&gens).unwrap();
    let junk = dir.path().join("junk.vk");
    std::fs::write(&junk, b"eligo-vk/1 not really").unwrap();
    let r = in_fresh(&["verify", "--vk", s(&junk), "--snapshot", s(&sj), s(&p0)]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("junk.vk"), "{}", r.stderr);
    let other = dir.path().join("1024-8.vk");
    let r = eligo(&[
        "params",
        "--capacity",
        "1024",
        "--depth",
        "8",
        "--export-vk",
        s(&other),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = in_fresh(&["verify", "--vk", s(&other), "--snapshot", s(&sj), s(&p0)]);
    assert_eq!(r.code, 2, "a key for another shape: {}", r.stderr);

    // re-running the snapshot without a license removes its old package
    let (t, e) = write_inputs(dir.path());
    let trimmed: String = std::fs::read_to_string(&t)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with("15,"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&t, trimmed).unwrap();
    let mut again = snapshot_args(&t, &e, &snap, "1024", "4");
    // not without --force: the old snapshot stays as it was
    let r = eligo(&again);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("already exists") && r.stderr.contains("--force"),
        "{}",
        r.stderr
    );
    assert!(snap.join("packages/15.json").exists());
    again.push("--force");
    let r = eligo(&again);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!snap.join("packages/15.json").exists());
    assert!(snap.join("packages/0.json").exists());
    assert!(std::fs::read_dir(&snap).unwrap().all(|e| !e
        .unwrap()
        .file_name()
        .to_string_lossy()
        .starts_with(".eligo")));

    // garbage proof file: bad input
    let junk = dir.path().join("junk.proof.json");
    std::fs::write(&junk, b"\x00\x01not json").unwrap();
    let r = eligo(&["verify", "--snapshot", s(&sj), s(&junk)]);
    assert_eq!(r.code, 2);
    assert!(
        r.stdout.contains("junk.proof.json: invalid: malformed"),
        "{}",
        r.stdout
    );
}

fn bad_input(tasks: &str, exclusions: &str, extra: &[&str]) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("tasks.csv");
    let e = dir.path().join("excl.csv");
    std::fs::write(&t, tasks).unwrap();
    std::fs::write(&e, exclusions).unwrap();
    let out = dir.path().join("out");
    let mut args = vec![
        "snapshot",
        "--tasks",
        s(&t),
        "--exclusions",
        s(&e),
        "--out",
        s(&out),
        "--depth",
        "4",
    ];
    if !extra.contains(&"--capacity") {
        args.extend(["--capacity", "256"]);
    }
    args.extend(extra);
    let r = eligo(&args);
    assert!(
        !out.join("snapshot.json").exists(),
        "nothing written on error"
    );
    r
}

#[test]
fn bad_inputs_exit_2_naming_file_and_line() {
    const H: &str = "license_id,task_id,epoch,outcome\n";
    const E: &str = "license_id,reason\n";
    let cases: Vec<(String, String, Vec<&str>, &str)> = vec![
        (
            "license,task,epoch,outcome\n".into(),
            E.into(),
            vec![],
            "tasks.csv:1: bad header",
        ),
        (
            format!("{H}1,2,3,done\n"),
            E.into(),
            vec![],
            "tasks.csv:2: outcome \"done\"",
        ),
        (
            format!("{H}1,2,3,executed\nabc,2,3,executed\n"),
            E.into(),
            vec![],
            "tasks.csv:3: license_id \"abc\"",
        ),
        (
            format!("{H}1,2,-3,executed\n"),
            E.into(),
            vec![],
            "tasks.csv:2: epoch \"-3\"",
        ),
        (
            format!("{H}16,2,3,executed\n"),
            E.into(),
            vec![],
            "tasks.csv:2: license id 16 does not fit",
        ),
        (
            format!("{H}1,2,3,executed\n1,2,4,missed\n"),
            E.into(),
            vec![],
            "tasks.csv:3: task 2 appears twice",
        ),
        ("".into(), E.into(), vec![], "tasks.csv:1: empty file"),
        (H.to_string(), E.into(), vec![], "tasks.csv:1: header only"),
        (
            format!("{H}1,2,3,executed\n"),
            "license_id,reason\n1,banned\n".into(),
            vec![],
            "excl.csv:2: reason \"banned\"",
        ),
        (
            format!("{H}1,2,3,executed\n"),
            E.into(),
            vec!["--threshold", "0/1000"],
            "--threshold",
        ),
        (
            format!("{H}1,2,3,executed\n"),
            E.into(),
            vec!["--threshold", "1001/1000"],
            "--threshold",
        ),
        (
            format!("{H}1,2,3,executed\n"),
            E.into(),
            vec!["--threshold", "abc"],
            "--threshold",
        ),
        (
            format!("{H}1,2,3,executed\n"),
            E.into(),
            vec!["--capacity", "300"],
            "capacity 300 is not a power of two",
        ),
    ];
    for (tasks, excl, extra, wanted) in cases {
        let r = bad_input(&tasks, &excl, &extra);
        assert_eq!(r.code, 2, "{wanted}: {}", r.stderr);
        assert!(
            r.stderr.contains(wanted),
            "wanted {wanted:?} in {:?}",
            r.stderr
        );
        assert!(!r.stderr.contains("panicked"));
    }
    // missing file
    let r = eligo(&[
        "check",
        "--snapshot",
        "/nonexistent/snapshot.json",
        "--package",
        "x.json",
    ]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("/nonexistent/snapshot.json"));
    let dir = tempfile::tempdir().unwrap();
    let r = eligo(&[
        "snapshot",
        "--tasks",
        "/nonexistent/tasks.csv",
        "--exclusions",
        "/nonexistent/excl.csv",
        "--out",
        s(dir.path()),
    ]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("/nonexistent/tasks.csv"), "{}", r.stderr);
    assert!(!dir.path().join("snapshot.json").exists());
}

#[test]
fn bad_prove_flags_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let snap = snapshot(dir.path());
    let sj = snap.join("snapshot.json");
    let p0 = snap.join("packages/0.json");
    let out = dir.path().join("proofs");
    for (flags, wanted) in [
        (vec!["--claimant", "0xZZ"], "--claimant"),
        (vec!["--claimant", "a1"], "--claimant"),
        (vec!["--claimant", "0xa1", "--option", "usdt"], "--option"),
        (vec!["--claimant", "0xa1", "--contract", "0x"], "--contract"),
        // a bech32 address with a broken checksum
        (
            vec![
                "--claimant",
                "cosmwasm1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq",
            ],
            "--claimant",
        ),
        (
            vec!["--claimant", "0xa1", "--chain-name", ""],
            "--chain-name",
        ),
        (
            vec!["--claimant", "0xa1", "--chain-name", "x", "--chain-id", "5"],
            "--chain-id",
        ),
    ] {
        let r = prove(&sj, std::slice::from_ref(&p0), &out, &flags);
        assert_eq!(r.code, 2, "{wanted}: {}", r.stderr);
        assert!(r.stderr.contains(wanted), "{}", r.stderr);
    }
    // a package from another snapshot
    let other = dir.path().join("o");
    std::fs::create_dir_all(&other).unwrap();
    let snap2 = snapshot(&other);
    let r = eligo(&[
        "check",
        "--snapshot",
        s(&snap2.join("snapshot.json")),
        "--package",
        s(&p0),
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("do not reach the snapshot's registry root"),
        "{}",
        r.stderr
    );
    // a package whose task details were altered: check (which recomputes the
    // detail digest) refuses it; an altered outcome misses the registry root
    let mut pkg: serde_json::Value = serde_json::from_slice(&std::fs::read(&p0).unwrap()).unwrap();
    pkg["tasks"][0][1] = serde_json::Value::from(999);
    let altered = dir.path().join("altered.json");
    std::fs::write(&altered, serde_json::to_vec(&pkg).unwrap()).unwrap();
    let r = eligo(&["check", "--snapshot", s(&sj), "--package", s(&altered)]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("does not match its detail digest"),
        "{}",
        r.stderr
    );
    pkg["tasks"][0][2] = serde_json::Value::from("failed");
    std::fs::write(&altered, serde_json::to_vec(&pkg).unwrap()).unwrap();
    let r = prove(
        &sj,
        std::slice::from_ref(&altered),
        &out,
        &["--claimant", "0xa1"],
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("registry root"), "{}", r.stderr);
    // a malformed package names the file and line
    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, "{\n  \"format\": 3\n}").unwrap();
    let r = eligo(&["check", "--snapshot", s(&sj), "--package", s(&broken)]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("broken.json") && r.stderr.contains("line 2"),
        "{}",
        r.stderr
    );
}

#[test]
fn bench_writes_table_csv_and_plot() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("bench");
    let r = eligo(&[
        "bench",
        "--capacities",
        "256",
        "--threads",
        "1",
        "--reps",
        "1",
        "--batch",
        "1",
        "--out",
        s(&out),
    ]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let md = std::fs::read_to_string(out.join("bench.md")).unwrap();
    assert!(md.contains("| 256 | 1 | 8 |"), "{md}");
    assert!(md.contains("hashing: log commitment"), "{md}");
    let csv = std::fs::read_to_string(out.join("bench.csv")).unwrap();
    assert_eq!(csv.lines().count(), 2);
    assert!(std::fs::read_to_string(out.join("bench.svg"))
        .unwrap()
        .starts_with("<svg"));
    // Re-rendering from the CSV gives the same table.
    let again = dir.path().join("again");
    let r = eligo(&[
        "bench",
        "--render",
        s(&out.join("bench.csv")),
        "--out",
        s(&again),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        std::fs::read_to_string(again.join("bench.csv")).unwrap(),
        csv
    );
    // A CSV with a bad capacity or no points: exit 2, nothing written.
    let bad_csv = dir.path().join("bad.csv");
    let header = csv.lines().next().unwrap();
    std::fs::write(&bad_csv, format!("{header}\n")).unwrap();
    let none = dir.path().join("none");
    let r = eligo(&["bench", "--render", s(&bad_csv), "--out", s(&none)]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(!none.exists());
    let line = csv.lines().nth(1).unwrap().replacen("256", "300", 1);
    std::fs::write(&bad_csv, format!("{header}\n{line}\n")).unwrap();
    let r = eligo(&["bench", "--render", s(&bad_csv), "--out", s(&none)]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("bad.csv:2"), "{}", r.stderr);
    // Bad flags: exit 2.
    let r = eligo(&["bench", "--capacities", "300", "--out", s(&again)]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--capacities"), "{}", r.stderr);
}

/// What a CosmWasm claim contract sees: bech32 addresses and a chain name.
#[test]
fn prove_takes_bech32_addresses_and_a_chain_name() {
    let dir = tempfile::tempdir().unwrap();
    let snap = snapshot(dir.path());
    let sj = snap.join("snapshot.json");
    let out = dir.path().join("proofs");
    let hrp = bech32::Hrp::parse("cosmwasm").unwrap();
    let claimant = bech32::encode::<bech32::Bech32>(hrp, &[0xa1; 20]).unwrap();
    let contract = bech32::encode::<bech32::Bech32>(hrp, &[0xc1; 32]).unwrap();
    let r = prove(
        &sj,
        &[snap.join("packages/15.json")],
        &out,
        &[
            "--claimant",
            &claimant,
            "--contract",
            &contract,
            "--chain-name",
            "eligo-testnet-1",
            "--option",
            "weth",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let file = out.join("15.proof.json");
    let proof: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(
        proof["claim"]["chain_id"],
        serde_json::Value::from(eligo_circuits::native::chain_id_from_name(
            "eligo-testnet-1"
        ))
    );
    assert_eq!(
        proof["claim"]["claimant"],
        serde_json::Value::from(format!("0x{}", "a1".repeat(20)))
    );
    assert_eq!(
        proof["claim"]["contract"],
        serde_json::Value::from(format!("0x{}", "c1".repeat(32)))
    );
    let r = eligo(&["verify", "--snapshot", s(&sj), s(&file)]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
}

#[test]
fn params_export_writes_the_contract_files_and_fingerprint() {
    let dir = tempfile::tempdir().unwrap();
    let gens = dir.path().join("k8.gens");
    let vk = dir.path().join("256-4.vk");
    let r = eligo(&[
        "params",
        "--capacity",
        "256",
        "--depth",
        "4",
        "--export",
        s(&gens),
        "--export-vk",
        s(&vk),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // The generators: canonical for k = 8, digest printed.
    let g = std::fs::read(&gens).unwrap();
    let decoded = eligo_verifier::Generators::decode_canonical(&g).unwrap();
    assert_eq!(decoded.k(), 8);
    assert!(r.stdout.contains(&decoded.digest_hex()), "{}", r.stdout);
    // The key: the pinned digest, the circuit's fingerprint.
    let key_bytes = std::fs::read(&vk).unwrap();
    let key = eligo_verifier::VerifyingKey::decode(&key_bytes).unwrap();
    let digest = eligo_verifier::hex_digest(&key_bytes);
    assert_eq!(
        Some(digest.as_str()),
        eligo_verifier::canonical_key_digest(&eligo_circuits::Shape::new(256, 4).unwrap())
    );
    assert!(
        r.stdout.contains(&format!("digest {digest}, pinned")),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains(
            "circuit fingerprint (capacity 256, depth 4): \
             8c6762bc2ee2d05365456ce8c58c72ce726b36ff72d85ed94762c10b3c4e5e06"
        ),
        "{}",
        r.stdout
    );
    assert_eq!(
        key.fingerprint_hex(),
        "8c6762bc2ee2d05365456ce8c58c72ce726b36ff72d85ed94762c10b3c4e5e06"
    );
    // Deterministic: a second export gives the same bytes.
    let again = dir.path().join("again.vk");
    let r = eligo(&[
        "params",
        "--capacity",
        "256",
        "--depth",
        "4",
        "--export-vk",
        s(&again),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(std::fs::read(&again).unwrap(), key_bytes);
    let r = eligo(&["params", "--k", "8", "--export", s(&gens)]);
    assert_eq!(r.code, 2, "--export needs a shape, not --k");
    let r = eligo(&["params", "--k", "8", "--export-vk", s(&vk)]);
    assert_eq!(r.code, 2, "--export-vk needs a shape, not --k");
}

#[test]
fn params_command_prepares_the_cache() {
    let r = eligo(&["params", "--k", "8"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("k = 8") && r.stdout.contains("canonical digest checked"),
        "{}",
        r.stdout
    );
    let r = eligo(&["params", "--capacity", "256", "--depth", "4"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.starts_with("k = 8:"), "{}", r.stdout);
    let r = eligo(&["params", "--k", "99"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--k"), "{}", r.stderr);
}

#[test]
fn a_stale_cached_key_is_refused_by_the_store_and_rebuilt_by_params() {
    // A key cached by another version of the circuit (here: another
    // shape's key under the pinned 256/4 name) is never used as 256/4's.
    let home = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| eligo_in(home.path(), args);
    let r = run(&["params", "--capacity", "1024", "--depth", "8"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let keys = home.path().join("keys");
    let pinned_path = keys.join("eligo-vk-256-4.bin");
    std::fs::copy(keys.join("eligo-vk-1024-8.bin"), &pinned_path).unwrap();
    let store = eligo_verifier::KeyStore::new(home.path());
    let shape = eligo_circuits::Shape::new(256, 4).unwrap();
    assert!(matches!(
        store.load_key(&shape),
        Err(eligo_verifier::StoreError::Stale { .. })
    ));
    let r = run(&["params", "--capacity", "256", "--depth", "4"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("rebuilding it"), "{}", r.stderr);
    let bytes = std::fs::read(&pinned_path).unwrap();
    assert_eq!(
        Some(eligo_verifier::hex_digest(&bytes).as_str()),
        eligo_verifier::canonical_key_digest(&shape)
    );
    assert!(store.load_key(&shape).unwrap().is_some());
}

/// Writes a tasks CSV of `licenses` licenses with one task each, and an
/// empty exclusions CSV, into `dir`.
fn one_task_per_license(dir: &Path, licenses: usize) -> (PathBuf, PathBuf) {
    use std::fmt::Write as _;
    let tasks = dir.join("tasks.csv");
    let mut csv = String::from("license_id,task_id,epoch,outcome\n");
    for i in 0..licenses {
        writeln!(csv, "{i},1,1,executed").unwrap();
    }
    std::fs::write(&tasks, csv).unwrap();
    let exclusions = dir.join("exclusions.csv");
    std::fs::write(&exclusions, "license_id,reason\n").unwrap();
    (tasks, exclusions)
}

/// Entries of `dir` whose name starts with the snapshot's staging prefix.
fn staging_dirs(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|it| {
            it.flatten()
                .filter(|e| {
                    e.file_name()
                        .to_string_lossy()
                        .starts_with(".eligo-snapshot-")
                })
                .map(|e| e.path())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn an_interrupted_snapshot_leaves_no_private_file() {
    let dir = tempfile::tempdir().unwrap();
    // Enough licenses that writing their packages takes a while.
    let (tasks, exclusions) = one_task_per_license(dir.path(), 8000);
    let out = dir.path().join("snap");
    let mut child = Command::new(env!("CARGO_BIN_EXE_eligo"))
        .args(snapshot_args(&tasks, &exclusions, &out, "256", "13"))
        .env("ELIGO_HOME", common::home())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stage = out.join(format!(".eligo-snapshot-{}", child.id()));
    // Packages are written first without their paths (the private part),
    // then with them.
    let staged_packages = [stage.join("part/packages"), stage.join("packages")];
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    // Wait until private packages are being written, then interrupt.
    loop {
        let written = staged_packages.iter().any(|dir| {
            std::fs::read_dir(dir)
                .map(|mut d| d.next().is_some())
                .unwrap_or(false)
        });
        if written {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no package was staged"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the snapshot finished before it could be interrupted"
        );
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let out_status = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out_status.stderr);
    assert_eq!(out_status.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted: removed"), "{stderr}");
    assert_eq!(staging_dirs(&out), Vec::<PathBuf>::new());
    assert!(!out.join("packages").exists());
    assert!(!out.join("snapshot.json").exists());
}

#[test]
fn a_staging_folder_of_a_dead_process_is_removed_at_the_next_start() {
    let dir = tempfile::tempdir().unwrap();
    let (tasks, exclusions) = one_task_per_license(dir.path(), 3);
    let out = dir.path().join("snap");
    // A pid far above Linux's default pid_max, so no process has it.
    let dead = out.join(".eligo-snapshot-4294967").join("packages");
    std::fs::create_dir_all(&dead).unwrap();
    std::fs::write(dead.join("1.json"), "private").unwrap();
    let r = eligo(&snapshot_args(&tasks, &exclusions, &out, "256", "4"));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("left behind by an interrupted snapshot"),
        "{}",
        r.stderr
    );
    assert_eq!(staging_dirs(&out), Vec::<PathBuf>::new());
    assert!(out.join("packages/1.json").exists());
}

#[test]
fn the_published_exclusion_list_rebuilds_the_exclusion_root() {
    use eligo_circuits::native::fp_to_hex;
    use eligo_prover::{inputs::parse_exclusions, snapshot};
    let dir = tempfile::tempdir().unwrap();
    let snap = snapshot(dir.path());
    let shape = eligo_circuits::Shape::new(1024, 4).unwrap();
    let list_path = snap.join(snapshot::EXCLUSION_LIST_FILE);
    let list = std::fs::read(&list_path).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&list),
        "license_id,reason\n5,blacklisted\n6,airdrop\n"
    );
    let public: serde_json::Value =
        serde_json::from_slice(&std::fs::read(snap.join("snapshot.json")).unwrap()).unwrap();
    let root = |bytes: &[u8]| {
        let exclusions = parse_exclusions(&list_path, bytes, &shape).unwrap();
        fp_to_hex(&snapshot::exclusion_root(&shape, &exclusions).unwrap())
    };
    assert_eq!(root(&list), public["exclusion_root"].as_str().unwrap());
    // A list that hides a blacklisted license gives another root.
    assert_ne!(
        root(b"license_id,reason\n6,airdrop\n"),
        public["exclusion_root"].as_str().unwrap()
    );
}

#[test]
fn a_salt_key_makes_the_snapshot_reproducible() {
    let dir = tempfile::tempdir().unwrap();
    let (t, e) = write_inputs(dir.path());
    let key = dir.path().join("salt.key");
    std::fs::write(&key, format!("  {}\n", "3a".repeat(32))).unwrap();
    let run = |out: &Path, key: Option<&Path>| {
        let mut args = snapshot_args(&t, &e, out, "1024", "4");
        if let Some(k) = key {
            args.extend(["--salt-key", s(k)]);
        }
        eligo(&args)
    };
    let files = |out: &Path| -> Vec<(String, Vec<u8>)> {
        let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(out.join("packages"))
            .unwrap()
            .map(|e| {
                let p = e.unwrap().path();
                (
                    p.file_name().unwrap().to_string_lossy().into_owned(),
                    std::fs::read(&p).unwrap(),
                )
            })
            .collect();
        v.sort();
        v.push((
            "snapshot.json".into(),
            std::fs::read(out.join("snapshot.json")).unwrap(),
        ));
        v
    };
    let (a, b, c) = (
        dir.path().join("a"),
        dir.path().join("b"),
        dir.path().join("c"),
    );
    let r = run(&a, Some(&key));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("keep it secret"), "{}", r.stderr);
    assert_eq!(run(&b, Some(&key)).code, 0);
    assert_eq!(
        files(&a),
        files(&b),
        "same key, same snapshot, byte for byte"
    );
    // Without the key the salts are random: another registry root.
    assert_eq!(run(&c, None).code, 0);
    assert_ne!(
        std::fs::read(a.join("snapshot.json")).unwrap(),
        std::fs::read(c.join("snapshot.json")).unwrap()
    );
    // A bad key file is an input error naming the file; nothing is written.
    for bad in ["3a".repeat(31), "zz".repeat(32), String::new()] {
        std::fs::write(&key, &bad).unwrap();
        let out = dir.path().join("bad");
        let r = run(&out, Some(&key));
        assert_eq!(r.code, 2, "{bad:?}: {}", r.stderr);
        assert!(r.stderr.contains(s(&key)), "{}", r.stderr);
        assert!(!out.join("snapshot.json").exists());
    }
    let r = run(
        &dir.path().join("none"),
        Some(&dir.path().join("missing.key")),
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("missing.key"), "{}", r.stderr);
}

#[test]
fn prove_takes_a_directory_of_packages() {
    let dir = tempfile::tempdir().unwrap();
    let snap = snapshot(dir.path());
    let sj = snap.join("snapshot.json");
    let out = dir.path().join("proofs");
    // The directory expands to every package; the ineligible ones are
    // named and nothing is proven.
    let claim = ["--claimant", "0x00000000000000000000000000000000000000a1"];
    let r = prove(&sj, &[snap.join("packages")], &out, &claim);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    for id in [1, 2, 5, 6] {
        assert!(
            r.stdout.contains(&format!("license {id}: not eligible")),
            "{}",
            r.stdout
        );
    }
    assert!(r.stdout.contains("nothing proven"), "{}", r.stdout);
    // Shards split the list by position: shard 1 of 3 of the six packages
    // (0, 1, 15, 2, 5, 6 in name order) holds 1 and 5, both ineligible.
    let mut args = claim.to_vec();
    args.extend(["--shard", "1/3"]);
    let r = prove(&sj, &[snap.join("packages")], &out, &args);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("shard 1/3: 2 of 6 package(s)"),
        "{}",
        r.stderr
    );
    assert!(
        r.stdout.contains("license 1: not eligible")
            && r.stdout.contains("license 5: not eligible")
    );
    assert!(!r.stdout.contains("license 2:"), "{}", r.stdout);
    // Shard 0 of 3 holds 0 and 2; 2 of 3 tasks is not eligible.
    let r = Command::new(env!("CARGO_BIN_EXE_eligo"))
        .args([
            "prove",
            "--snapshot",
            s(&sj),
            "--package",
            s(&snap.join("packages")),
            "--out",
            s(&out),
        ])
        .args(claim)
        .args(["--contract", TEST_CONTRACT, "--chain-id", "1"])
        .args(["--shard", "auto", "--shards", "3"])
        .env("ELIGO_HOME", common::home())
        .env("JOB_COMPLETION_INDEX", "0")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&r.stdout);
    assert_eq!(r.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("license 2: not eligible") && !stdout.contains("license 1:"),
        "{stdout}"
    );
    let mut args = claim.to_vec();
    args.extend(["--shard", "1/3", "--shards", "4"]);
    let r = prove(&sj, &[snap.join("packages")], &out, &args);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--shards says 4"), "{}", r.stderr);
    // A directory without packages is an input error naming it.
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let r = prove(&sj, std::slice::from_ref(&empty), &out, &claim);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains(&format!("{}: no package", empty.display())),
        "{}",
        r.stderr
    );
}

/// Every file under `dir` (relative path, bytes), in name order.
fn tree_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
                out.push((rel, std::fs::read(&p).unwrap()));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// `snapshot ... --salt-key KEY --shard SHARD --out OUT` as a child process.
fn shard_command(t: &Path, e: &Path, key: &Path, out: &Path, shard: &str) -> std::process::Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_eligo"));
    c.args(snapshot_args(t, e, out, "1024", "4"))
        .args(["--salt-key", s(key), "--shard", shard])
        .env("ELIGO_HOME", common::home());
    c
}

fn salt_key(dir: &Path) -> PathBuf {
    let key = dir.join("salt.key");
    std::fs::write(&key, "5c".repeat(32)).unwrap();
    key
}

#[test]
fn a_sharded_snapshot_is_the_one_machine_snapshot_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let (t, e) = write_inputs(dir.path());
    let key = salt_key(dir.path());
    let whole = dir.path().join("whole");
    let mut args = snapshot_args(&t, &e, &whole, "1024", "4");
    args.extend(["--salt-key", s(&key)]);
    let r = eligo(&args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // Three shards as parallel processes.
    let parts: Vec<PathBuf> = (0..3)
        .map(|i| dir.path().join(format!("part{i}")))
        .collect();
    let children: Vec<_> = parts
        .iter()
        .enumerate()
        .map(|(i, p)| {
            shard_command(&t, &e, &key, p, &format!("{i}/3"))
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let o = c.wait_with_output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let stdout = String::from_utf8_lossy(&o.stdout);
        assert!(stdout.contains("part: "), "{stdout}");
    }
    // Shard 0 of 3 holds licenses 0, 6, 9 and 15: 9 is over capacity.
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(parts[0].join("part.json")).unwrap()).unwrap();
    assert_eq!(m["format"], "eligo-snapshot-part/1");
    assert_eq!(m["licenses"], 3);
    assert_eq!(m["excluded"], 1);
    assert_eq!(m["oversized"], serde_json::json!([[9, 1025]]));
    assert!(m["salts"].as_str().unwrap().starts_with("key:"));
    assert!(!std::fs::read_to_string(parts[0].join("part.json"))
        .unwrap()
        .contains(&"5c".repeat(32)));
    // The merge, parts in any order.
    let merged = dir.path().join("merged");
    let r = eligo(&[
        "snapshot",
        "--merge",
        s(&parts[2]),
        s(&parts[0]),
        s(&parts[1]),
        "--out",
        s(&merged),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("license 9: 1025 tasks exceed the capacity 1024"),
        "{}",
        r.stderr
    );
    let registry = |out: &str| {
        out.lines()
            .find(|l| l.starts_with("registry root: "))
            .unwrap()
            .to_string()
    };
    let w = eligo(&[
        "snapshot",
        "--merge",
        s(&parts[0]),
        s(&parts[1]),
        s(&parts[2]),
        "--out",
        s(&dir.path().join("again")),
    ]);
    assert_eq!(registry(&r.stdout), registry(&w.stdout));
    assert_eq!(tree_files(&whole), tree_files(&merged), "byte for byte");
    // `--shard auto` takes the index from a Kubernetes Indexed Job or a
    // Slurm array, and writes the same part as the explicit shard.
    for var in ["JOB_COMPLETION_INDEX", "SLURM_ARRAY_TASK_ID"] {
        let auto = dir.path().join(format!("auto-{var}"));
        let o = shard_command(&t, &e, &key, &auto, "auto")
            .args(["--shards", "3"])
            .env_remove("JOB_COMPLETION_INDEX")
            .env_remove("SLURM_ARRAY_TASK_ID")
            .env(var, "1")
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert_eq!(tree_files(&auto), tree_files(&parts[1]), "{var}");
    }
    let o = shard_command(&t, &e, &key, &dir.path().join("noenv"), "auto")
        .args(["--shards", "3"])
        .env_remove("JOB_COMPLETION_INDEX")
        .env_remove("SLURM_ARRAY_TASK_ID")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("neither JOB_COMPLETION_INDEX"));
    let o = shard_command(&t, &e, &key, &dir.path().join("non"), "auto")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--shards N"));
    // A part is refused as a package by `check` (its paths are empty).
    let r = eligo(&[
        "check",
        "--snapshot",
        s(&merged.join("snapshot.json")),
        "--package",
        s(&parts[0].join("packages/0.json")),
    ]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
}

#[test]
fn a_merge_refuses_incomplete_and_foreign_parts() {
    let dir = tempfile::tempdir().unwrap();
    let (t, e) = write_inputs(dir.path());
    let key = salt_key(dir.path());
    let part = |name: &str, shard: &str, extra: &[&str]| {
        let p = dir.path().join(name);
        let o = shard_command(&t, &e, &key, &p, shard)
            .args(extra)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        p
    };
    let p0 = part("p0", "0/2", &[]);
    let p1 = part("p1", "1/2", &[]);
    let out = dir.path().join("out");
    let merge = |parts: &[&Path]| {
        let mut args = vec!["snapshot", "--merge"];
        args.extend(parts.iter().map(|p| s(p)));
        args.extend(["--out", s(&out)]);
        let r = eligo(&args);
        assert!(!out.join("snapshot.json").exists(), "nothing published");
        r
    };
    let refused = |r: Run, want: &str| {
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert!(r.stderr.contains(want), "want {want:?} in {}", r.stderr);
    };
    refused(
        merge(&[&p0]),
        "missing shard 1/2: a merge needs every shard",
    );
    refused(merge(&[&p0, &p1, &p0]), "shard 0/2 given twice");
    let other_threshold = part("q1", "1/2", &["--threshold", "1/2"]);
    refused(
        merge(&[&p0, &other_threshold]),
        "foreign part: its threshold is 1/2",
    );
    let other_program = part("r1", "1/2", &["--program-id", "other"]);
    refused(
        merge(&[&p0, &other_program]),
        "foreign part: its program_id is \"other\"",
    );
    let three = part("s1", "1/3", &[]);
    refused(merge(&[&p0, &three]), "foreign part: its shards is 3");
    // Another export: same licenses, one outcome changed.
    let t2 = dir.path().join("tasks2.csv");
    std::fs::write(
        &t2,
        std::fs::read_to_string(&t)
            .unwrap()
            .replacen("executed", "missed", 1),
    )
    .unwrap();
    let p = dir.path().join("t1");
    let o = shard_command(&t2, &e, &key, &p, "1/2").output().unwrap();
    assert!(o.status.success());
    refused(merge(&[&p0, &p]), "foreign part: its tasks file is digest");
    // Random salts against a salt key.
    let p = dir.path().join("u1");
    let o = Command::new(env!("CARGO_BIN_EXE_eligo"))
        .args(snapshot_args(&t, &e, &p, "1024", "4"))
        .args(["--shard", "1/2"])
        .env("ELIGO_HOME", common::home())
        .output()
        .unwrap();
    assert!(o.status.success());
    refused(merge(&[&p0, &p]), "foreign part: its salts is random");
    // Not a part at all; a part with a package missing; into a part.
    refused(
        merge(&[&p0, &dir.path().join("nothing")]),
        "not a snapshot part: no part.json",
    );
    let broken = dir.path().join("broken");
    copy_dir(&p1, &broken);
    let first = std::fs::read_dir(broken.join("packages"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    std::fs::remove_file(&first).unwrap();
    refused(
        merge(&[&p0, &broken]),
        "package files, but leaves.csv lists",
    );
    let r = eligo(&["snapshot", "--merge", s(&p0), s(&p1), "--out", s(&p0)]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("is the part"), "{}", r.stderr);
    // And the complete set merges.
    let r = merge_ok(&[&p1, &p0], &out);
    assert!(r.contains("packages: 6 in"), "{r}");
}

fn merge_ok(parts: &[&Path], out: &Path) -> String {
    let mut args = vec!["snapshot", "--merge"];
    args.extend(parts.iter().map(|p| s(p)));
    args.extend(["--out", s(out)]);
    let r = eligo(&args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    r.stdout
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let dest = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_dir(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).unwrap();
        }
    }
}

#[test]
fn bad_input_in_any_shard_publishes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (t, e) = write_inputs(dir.path());
    let key = salt_key(dir.path());
    // A bad word in a row of license 1 (shard 1 of 2): every shard reads
    // every row, so each refuses it, naming the file and line.
    let text = std::fs::read_to_string(&t).unwrap();
    let line = text.lines().position(|l| l.starts_with("1,")).unwrap() + 1;
    let bad = text.replacen("\n1,10000,0,executed", "\n1,10000,0,exec", 1);
    assert_ne!(bad, text);
    std::fs::write(&t, bad).unwrap();
    for shard in ["0/2", "1/2"] {
        let p = dir.path().join(shard.replace('/', "-"));
        let o = shard_command(&t, &e, &key, &p, shard).output().unwrap();
        assert_eq!(o.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(
            stderr.contains(&format!("{}:{line}: outcome \"exec\"", t.display())),
            "{stderr}"
        );
        assert!(!p.join("part.json").exists() && !p.join("packages").exists());
        assert_eq!(staging_dirs(&p), Vec::<PathBuf>::new());
    }
    // An unsorted export is refused with what to do.
    let unsorted = dir.path().join("unsorted.csv");
    std::fs::write(
        &unsorted,
        "license_id,task_id,epoch,outcome\n2,1,0,executed\n1,2,0,executed\n",
    )
    .unwrap();
    let out = dir.path().join("u");
    let r = eligo(&snapshot_args(&unsorted, &e, &out, "1024", "4"));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains(&format!(
            "{}:3: license 1 after license 2: the tasks must be sorted by license_id",
            unsorted.display()
        )),
        "{}",
        r.stderr
    );
    assert!(!out.join("snapshot.json").exists());
}

#[test]
fn parquet_and_csv_exports_give_the_same_snapshot() {
    use eligo_prover::synthetic::{ParquetColumn as C, ParquetFile};
    let dir = tempfile::tempdir().unwrap();
    let (t, e) = write_inputs(dir.path());
    let key = salt_key(dir.path());
    // The same rows as Parquet: other integer types, columns in another
    // order, an extra column, two row groups.
    let rows: Vec<Vec<String>> = std::fs::read_to_string(&t)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect();
    let pq = dir.path().join("tasks.parquet");
    let mut f = ParquetFile::create(
        &pq,
        "message tasks { required binary OUTCOME (STRING); required int32 epoch (INTEGER(32, false)); \
         required int64 task_id; required int32 license_id; required binary region (STRING); }",
    )
    .unwrap();
    for chunk in rows.chunks(rows.len() / 2 + 1) {
        let col = |i: usize| chunk.iter().map(|r| r[i].clone()).collect::<Vec<_>>();
        let int = |i: usize| {
            col(i)
                .iter()
                .map(|v| v.parse::<i64>().unwrap())
                .collect::<Vec<_>>()
        };
        f.write_group(&[
            C::Text(col(3).iter().map(|w| w.to_uppercase()).collect()),
            C::I32(int(2).iter().map(|v| *v as i32).collect()),
            C::I64(int(1)),
            C::I32(int(0).iter().map(|v| *v as i32).collect()),
            C::Text(vec!["eu".into(); chunk.len()]),
        ])
        .unwrap();
    }
    f.close().unwrap();
    let run = |tasks: &Path, out: &Path| {
        let mut args = snapshot_args(tasks, &e, out, "1024", "4");
        args.extend(["--salt-key", s(&key)]);
        let r = eligo(&args);
        assert_eq!(r.code, 0, "{}", r.stderr);
    };
    let (a, b) = (dir.path().join("csv"), dir.path().join("parquet"));
    run(&t, &a);
    run(&pq, &b);
    assert_eq!(tree_files(&a), tree_files(&b));
    // A Parquet error names the row group and row.
    let bad = dir.path().join("bad.parquet");
    let mut f = ParquetFile::create(
        &bad,
        "message t { required int64 license_id; required int64 task_id; required int32 epoch; \
         required binary outcome (STRING); }",
    )
    .unwrap();
    f.write_group(&[
        C::I64(vec![0, 0]),
        C::I64(vec![1, 2]),
        C::I32(vec![0, 0]),
        C::Text(vec!["executed".into(), "late".into()]),
    ])
    .unwrap();
    f.close().unwrap();
    let out = dir.path().join("bad");
    let r = eligo(&snapshot_args(&bad, &e, &out, "1024", "4"));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains(&format!(
            "{}: row group 0, row 1: outcome \"late\"",
            bad.display()
        )),
        "{}",
        r.stderr
    );
}

#[test]
fn over_capacity_licenses_are_refused_unless_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let (t, e) = write_inputs(dir.path());
    let out = dir.path().join("snap");
    let mut args = snapshot_args(&t, &e, &out, "1024", "4");
    args.retain(|a| *a != "--skip-over-capacity");
    let r = eligo(&args);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("license 9: 1025 tasks exceed the capacity 1024: no package"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("1 license(s) have more tasks than the capacity 1024; nothing was written (pass --skip-over-capacity"),
        "{}",
        r.stderr
    );
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    assert!(!out.join("snapshot.json").exists() && !out.join("packages").exists());
    assert_eq!(staging_dirs(&out), Vec::<PathBuf>::new());
    // A shard refuses the same way, if the license is its own, and writes
    // no part.
    let key = salt_key(dir.path());
    for (shard, code) in [("0/3", 2), ("1/3", 0)] {
        let p = dir.path().join(shard.replace('/', "-"));
        let mut shard_args = snapshot_args(&t, &e, &p, "1024", "4");
        shard_args.retain(|a| *a != "--skip-over-capacity");
        let o = Command::new(env!("CARGO_BIN_EXE_eligo"))
            .args(&shard_args)
            .args(["--salt-key", s(&key), "--shard", shard])
            .env("ELIGO_HOME", common::home())
            .output()
            .unwrap();
        assert_eq!(
            o.status.code(),
            Some(code),
            "{shard}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert_eq!(p.join("part.json").exists(), code == 0);
    }
}

#[test]
fn prove_requires_the_binding() {
    let dir = tempfile::tempdir().unwrap();
    let snap = snapshot(dir.path());
    let sj = snap.join("snapshot.json");
    let out = dir.path().join("proofs");
    let p0 = snap.join("packages/0.json");
    let base = [
        "prove",
        "--snapshot",
        s(&sj),
        "--package",
        s(&p0),
        "--out",
        s(&out),
        "--claimant",
        "0xa1",
    ];
    let mut no_contract = base.to_vec();
    no_contract.extend(["--chain-id", "1"]);
    let r = eligo(&no_contract);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--contract"), "{}", r.stderr);
    let mut no_chain = base.to_vec();
    no_chain.extend(["--contract", TEST_CONTRACT]);
    let r = eligo(&no_chain);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--chain-id"), "{}", r.stderr);
    assert!(!out.exists(), "nothing written");
}

#[test]
fn verify_shows_the_binding_and_checks_expectations() {
    let dir = tempfile::tempdir().unwrap();
    let snap = snapshot(dir.path());
    let sj = snap.join("snapshot.json");
    let proofs = dir.path().join("proofs");
    let claimant = "0x00000000000000000000000000000000000000a1";
    let r = prove(
        &sj,
        &[snap.join("packages/0.json"), snap.join("packages/15.json")],
        &proofs,
        &[
            "--claimant",
            claimant,
            "--chain-id",
            "5",
            "--option",
            "weth",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    // A directory: every *.proof.json inside, one line each with the binding.
    std::fs::write(proofs.join("notes.txt"), "not a proof").unwrap();
    let r = eligo(&["verify", "--snapshot", s(&sj), s(&proofs)]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout.lines().count(), 2, "{}", r.stdout);
    assert!(
        r.stdout.contains(&format!(
            "0.proof.json: valid (license 0; bound to chain 5, contract {TEST_CONTRACT}, claimant {claimant}, option weth)"
        )),
        "{}",
        r.stdout
    );
    assert!(
        r.stderr
            .contains("2 proof file(s): 2 valid, 0 invalid, 0 unreadable or malformed"),
        "{}",
        r.stderr
    );
    // Expectations met, then each one broken.
    let verify = |extra: &[&str]| {
        let mut args = vec!["verify", "--snapshot", s(&sj), s(&proofs), "--json"];
        args.extend(extra);
        eligo(&args)
    };
    let ok = verify(&[
        "--expect-chain-id",
        "5",
        "--expect-contract",
        TEST_CONTRACT,
        "--expect-claimant",
        claimant,
        "--expect-option",
        "weth",
    ]);
    assert_eq!(ok.code, 0, "{}{}", ok.stdout, ok.stderr);
    for (flags, code) in [
        (vec!["--expect-chain-id", "1"], "chain_mismatch"),
        (vec!["--expect-chain-name", "osmosis-1"], "chain_mismatch"),
        (vec!["--expect-contract", "0xc2"], "contract_mismatch"),
        (
            vec![
                "--expect-claimant",
                "0x00000000000000000000000000000000000000a2",
            ],
            "claimant_mismatch",
        ),
        (vec!["--expect-option", "ifx"], "option_mismatch"),
    ] {
        let r = verify(&flags);
        assert_eq!(r.code, 1, "{flags:?}: {}", r.stderr);
        for line in r.stdout.lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            assert_eq!(v["status"], "invalid", "{line}");
            assert_eq!(v["reason_code"], code, "{line}");
            assert!(v["reason"].as_str().unwrap().contains("expected"), "{line}");
            assert_eq!(v["bound_to"]["chain_id"], 5);
        }
    }
    // JSON Lines: one object per file, the schema's fields.
    let lines = json_lines(&ok.stdout);
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["status"], "valid");
    assert_eq!(lines[0]["license_id"], 0);
    assert_eq!(lines[0]["reason_code"], serde_json::Value::Null);
    assert!(lines[0]["file"].as_str().unwrap().ends_with("0.proof.json"));
    // Counting with a malformed file among valid ones: exit 2, and the
    // summary says which is which.
    std::fs::write(proofs.join("junk.proof.json"), "{").unwrap();
    let r = eligo(&["verify", "--snapshot", s(&sj), s(&proofs)]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("3 proof file(s): 2 valid, 0 invalid, 1 unreadable or malformed"),
        "{}",
        r.stderr
    );
    let r = verify(&[]);
    let junk: serde_json::Value =
        serde_json::from_str(r.stdout.lines().find(|l| l.contains("junk")).unwrap()).unwrap();
    assert_eq!(junk["status"], "error");
    assert_eq!(junk["reason_code"], "malformed");
    // An empty directory is an input error naming it.
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let r = eligo(&["verify", "--snapshot", s(&sj), s(&empty)]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("no proof file"), "{}", r.stderr);
}

#[test]
fn batches_skip_and_resume_and_speak_json() {
    let dir = tempfile::tempdir().unwrap();
    let snap = snapshot(dir.path());
    let sj = snap.join("snapshot.json");
    let out = dir.path().join("proofs");
    let claim = ["--claimant", "0x00000000000000000000000000000000000000a1"];
    // --skip-ineligible: the two eligible licenses are proven, the four
    // others listed on stderr; exit 0.
    let mut args = claim.to_vec();
    args.extend(["--skip-ineligible", "--json"]);
    let r = prove(&sj, &[snap.join("packages")], &out, &args);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let lines = json_lines(&r.stdout);
    assert_eq!(lines.len(), 6, "{}", r.stdout);
    let status = |id: u64| {
        let l = lines.iter().find(|l| l["license_id"] == id).unwrap();
        (
            l["status"].as_str().unwrap().to_string(),
            l["reason_code"].clone(),
        )
    };
    assert_eq!(status(0), ("proven".into(), serde_json::Value::Null));
    assert_eq!(status(15).0, "proven");
    assert_eq!(status(1), ("skipped".into(), "below_threshold".into()));
    assert_eq!(status(5), ("skipped".into(), "excluded_blacklisted".into()));
    assert_eq!(status(6), ("skipped".into(), "excluded_airdrop".into()));
    assert!(
        r.stderr
            .contains("license 2: skipped: not eligible: not over the threshold"),
        "{}",
        r.stderr
    );
    let proven = lines.iter().find(|l| l["license_id"] == 0).unwrap();
    assert!(proven["proof"].as_str().unwrap().ends_with("0.proof.json"));
    // Without a flag, existing proofs stop the batch before any work.
    let r = prove(&sj, &[snap.join("packages/0.json")], &out, &claim);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("pass --skip-existing"), "{}", r.stderr);
    // --skip-existing keeps valid proofs; a damaged one is proven again.
    let p15 = out.join("15.proof.json");
    let good15 = std::fs::read(&p15).unwrap();
    let mut damaged: serde_json::Value = serde_json::from_slice(&good15).unwrap();
    let hex = damaged["proof"].as_str().unwrap().to_string();
    let flipped = if hex.ends_with('0') { "1" } else { "0" };
    damaged["proof"] = serde_json::Value::from(format!("{}{flipped}", &hex[..hex.len() - 1]));
    std::fs::write(&p15, serde_json::to_vec(&damaged).unwrap()).unwrap();
    let p0_before = std::fs::read(out.join("0.proof.json")).unwrap();
    let pkgs = [snap.join("packages/0.json"), snap.join("packages/15.json")];
    let mut args = claim.to_vec();
    args.extend(["--skip-existing", "--json"]);
    let r = prove(&sj, &pkgs, &out, &args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let lines = json_lines(&r.stdout);
    assert_eq!(lines.len(), 2, "{}", r.stdout);
    assert_eq!(
        lines.iter().find(|l| l["license_id"] == 0).unwrap()["reason_code"],
        "proof_exists"
    );
    assert_eq!(
        lines.iter().find(|l| l["license_id"] == 15).unwrap()["status"],
        "proven"
    );
    assert!(
        r.stderr.contains("15.proof.json is not a valid proof here"),
        "{}",
        r.stderr
    );
    assert_eq!(
        std::fs::read(out.join("0.proof.json")).unwrap(),
        p0_before,
        "left alone"
    );
    let r = eligo(&["verify", "--snapshot", s(&sj), s(&out)]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    // A proof bound to another claimant is not kept either.
    let r = prove(
        &sj,
        &pkgs[..1],
        &out,
        &["--claimant", "0xa2", "--skip-existing"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("bound to another chain, contract, claimant or option"),
        "{}",
        r.stderr
    );
    // An --out that cannot take files is found before any work.
    let file = dir.path().join("a-file");
    std::fs::write(&file, "x").unwrap();
    let r = prove(&sj, &pkgs[..1], &file.join("proofs"), &claim);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("not writable"), "{}", r.stderr);
    assert!(!r.stderr.contains("keys built"), "{}", r.stderr);
    // check --json.
    let check = |id: u64| {
        let r = eligo(&[
            "check",
            "--json",
            "--snapshot",
            s(&sj),
            "--package",
            s(&snap.join(format!("packages/{id}.json"))),
        ]);
        (r.code, json_lines(&r.stdout))
    };
    let (code, l) = check(0);
    assert_eq!(code, 0);
    assert_eq!(
        (
            l.len(),
            l[0]["status"].as_str(),
            l[0]["executed"].as_u64(),
            l[0]["assigned"].as_u64()
        ),
        (1, Some("eligible"), Some(668), Some(1000))
    );
    assert_eq!(l[0]["threshold"], "667/1000");
    let (code, l) = check(2);
    assert_eq!(code, 1);
    assert_eq!(
        (l[0]["status"].as_str(), l[0]["reason_code"].as_str()),
        (Some("not_eligible"), Some("below_threshold"))
    );
    // claim-msg: the contract's execute message, ready to send.
    let r = eligo(&[
        "claim-msg",
        s(&out.join("15.proof.json")),
        "--min-amount",
        "5",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let msg: serde_json::Value = serde_json::from_str(r.stdout.trim()).unwrap();
    assert_eq!(msg["claim"]["license_id"], 15);
    assert_eq!(msg["claim"]["min_amount"], "5");
    let proof15: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("15.proof.json")).unwrap()).unwrap();
    assert_eq!(
        msg["claim"]["exclusion_root"],
        proof15["public_inputs"]["exclusion_root"]
    );
    // Every claim needs its minimum: none, or zero, is refused.
    let p15 = out.join("15.proof.json");
    let r = eligo(&["claim-msg", s(&p15)]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("every claim needs a min_amount"),
        "{}",
        r.stderr
    );
    let r = eligo(&["claim-msg", s(&p15), "--min-amount", "0"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("must be positive"), "{}", r.stderr);
    // A quote answer gives it: the amount, less any slippage.
    let option = proof15["claim"]["option"].as_str().unwrap().to_string();
    let other = if option == "ifx" { "weth" } else { "ifx" };
    let quote = |name: &str, body: String| {
        let path = out.join(name);
        std::fs::write(&path, body).unwrap();
        path
    };
    let q15 = quote(
        "quote-15.json",
        format!(
            r#"{{"data":{{"license_id":15,"option":"{option}","purchase_usdt":"1000000000","amount":"1000","prices":{{"ifx":"250000","eth":"2000000000"}},"prices_as_of":1,"claimed":false,"covered":true,"refusal":null}}}}"#
        ),
    );
    for (extra, want) in [(None, "1000"), (Some("100"), "990")] {
        let mut args = vec!["claim-msg", s(&p15), "--quote", s(&q15)];
        if let Some(bps) = extra {
            args.extend(["--slippage-bps", bps]);
        }
        let r = eligo(&args);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let msg: serde_json::Value = serde_json::from_str(r.stdout.trim()).unwrap();
        assert_eq!(msg["claim"]["min_amount"], want);
    }
    for (name, body, says) in [
        (
            "quote-other-option.json",
            format!(r#"{{"license_id":15,"option":"{other}","amount":"1000"}}"#),
            "a quote for option",
        ),
        (
            "quote-other-license.json",
            format!(r#"{{"license_id":16,"option":"{option}","amount":"1000"}}"#),
            "license 15: no --quote file answers for it",
        ),
        (
            "quote-refused.json",
            format!(
                r#"{{"license_id":15,"option":"{option}","amount":"1000","refusal":"claims are paused by the admin"}}"#
            ),
            "claims are paused",
        ),
        ("quote-bad.json", "{}".to_string(), "not a quote answer"),
    ] {
        let path = quote(name, body);
        let r = eligo(&["claim-msg", s(&p15), "--quote", s(&path)]);
        assert_eq!(r.code, 2, "{name}");
        assert!(r.stderr.contains(says), "{name}: {}", r.stderr);
        std::fs::remove_file(path).unwrap();
    }
    std::fs::remove_file(&q15).unwrap();
    // 0.proof.json is now bound to 0xa2: another owner, no common message.
    let r = eligo(&["claim-msg", s(&out), "--min-amount", "1"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("bound to claimant"), "{}", r.stderr);
    std::fs::remove_file(out.join("0.proof.json")).unwrap();
    std::fs::copy(&p15, out.join("copy.proof.json")).unwrap();
    let r = eligo(&["claim-msg", s(&out), "--min-amount", "1"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("license 15 appears twice"),
        "{}",
        r.stderr
    );
}

#[test]
fn help_version_completions_man_and_swapped_files() {
    // --version: formats and the default shape's fingerprint, the one
    // `eligo params` computes from the key.
    let r = eligo(&["--version"]);
    assert_eq!(r.code, 0);
    assert!(
        r.stdout.contains("proof format: eligo-proof/1"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("key format: eligo-vk/1"), "{}", r.stdout);
    let fp = r
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("circuit fingerprint (capacity 65536, depth 20): "))
        .expect("a fingerprint line")
        .to_string();
    let p = eligo(&["params", "--capacity", "65536", "--depth", "20"]);
    assert_eq!(p.code, 0, "{}", p.stderr);
    assert!(
        p.stdout.contains(&format!(
            "circuit fingerprint (capacity 65536, depth 20): {fp}"
        )),
        "{}",
        p.stdout
    );
    // Every subcommand's help gives its exit codes and an example.
    for sub in [
        "snapshot",
        "check",
        "prove",
        "verify",
        "claim-msg",
        "demo",
        "params",
        "bench",
        "bench-export",
        "completions",
        "man",
    ] {
        let r = eligo(&[sub, "--help"]);
        assert_eq!(r.code, 0, "{sub}");
        assert!(r.stdout.contains("Exit codes:"), "{sub}: {}", r.stdout);
        assert!(r.stdout.contains("Example"), "{sub}: {}", r.stdout);
    }
    // Completions and the man pages.
    for shell in ["bash", "zsh", "fish"] {
        let r = eligo(&["completions", shell]);
        assert_eq!(r.code, 0, "{shell}");
        assert!(
            r.stdout.contains("claim-msg") && r.stdout.contains("skip-existing"),
            "{shell}"
        );
    }
    assert_eq!(eligo(&["completions", "tcsh"]).code, 2);
    let r = eligo(&["man"]);
    assert!(r.stdout.contains(".TH eligo 1"), "{}", r.stdout);
    let dir = tempfile::tempdir().unwrap();
    let r = eligo(&["man", "--out", s(dir.path())]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let prove_page = std::fs::read_to_string(dir.path().join("eligo-prove.1")).unwrap();
    assert!(prove_page.contains("skip\\-ineligible"), "{prove_page}");
    assert!(
        !dir.path().join("eligo-bench-point.1").exists(),
        "hidden commands have no page"
    );
    // Swapped files are named for what they are.
    let snap = snapshot(dir.path());
    let sj = snap.join("snapshot.json");
    let pkg = snap.join("packages/0.json");
    let r = eligo(&["check", "--snapshot", s(&pkg), "--package", s(&sj)]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("this is a package, not a snapshot file"),
        "{}",
        r.stderr
    );
    let r = eligo(&["check", "--snapshot", s(&sj), "--package", s(&sj)]);
    assert!(
        r.stderr.contains("this is a snapshot file, not a package"),
        "{}",
        r.stderr
    );
    let r = eligo(&["verify", "--snapshot", s(&sj), s(&pkg)]);
    assert_eq!(r.code, 2);
    assert!(
        r.stdout.contains("this is a package, not a proof file"),
        "{}",
        r.stdout
    );
}

#[test]
fn quiet_verbose_and_rust_log_shape_stderr_only() {
    let dir = tempfile::tempdir().unwrap();
    let (t, e) = write_inputs(dir.path());
    let run = |flag: Option<&str>, rust_log: Option<&str>, name: &str| {
        let out = dir.path().join(name);
        let mut c = Command::new(env!("CARGO_BIN_EXE_eligo"));
        c.args(snapshot_args(&t, &e, &out, "1024", "4"))
            .env("ELIGO_HOME", common::home())
            .env_remove("RUST_LOG");
        if let Some(f) = flag {
            c.arg(f);
        }
        if let Some(l) = rust_log {
            c.env("RUST_LOG", l);
        }
        let o = c.output().unwrap();
        assert!(o.status.success());
        (
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    let (out_default, err_default) = run(None, None, "a");
    assert!(err_default.contains("snapshot built in"), "{err_default}");
    assert!(!err_default.contains("staging in"), "{err_default}");
    let (out_quiet, err_quiet) = run(Some("-q"), None, "b");
    assert_eq!(err_quiet, "", "-q: warnings only");
    let (_, err_verbose) = run(Some("-v"), None, "c");
    assert!(err_verbose.contains("staging in"), "{err_verbose}");
    let (_, err_log) = run(None, Some("warn"), "d");
    assert_eq!(err_log, "");
    // stdout holds the same results whatever stderr shows (roots aside:
    // the salts are random).
    let shape = |s: &str| {
        s.lines()
            .filter(|l| !l.contains("root"))
            .map(|l| l.replace("/b/", "/a/"))
            .collect::<Vec<_>>()
    };
    assert_eq!(shape(&out_default), shape(&out_quiet));
}

#[test]
fn snapshot_speaks_json_per_license() {
    let dir = tempfile::tempdir().unwrap();
    let (t, e) = write_inputs(dir.path());
    let key = salt_key(dir.path());
    let lines = |stdout: &str| -> Vec<(u64, String, serde_json::Value)> {
        json_lines(stdout)
            .into_iter()
            .map(|v| {
                (
                    v["license_id"].as_u64().unwrap(),
                    v["status"].as_str().unwrap().to_string(),
                    v["reason_code"].clone(),
                )
            })
            .collect()
    };
    let out = dir.path().join("snap");
    let mut args = snapshot_args(&t, &e, &out, "1024", "4");
    args.extend(["--json", "--salt-key", s(&key)]);
    let r = eligo(&args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let want = vec![
        (0, "eligible".to_string(), serde_json::Value::Null),
        (1, "not_eligible".into(), "below_threshold".into()),
        (2, "not_eligible".into(), "below_threshold".into()),
        (5, "not_eligible".into(), "excluded_blacklisted".into()),
        (6, "not_eligible".into(), "excluded_airdrop".into()),
        (15, "eligible".into(), serde_json::Value::Null),
        (9, "skipped".into(), "over_capacity".into()),
    ];
    assert_eq!(lines(&r.stdout), want, "{}", r.stdout);
    let first: serde_json::Value = serde_json::from_str(r.stdout.lines().next().unwrap()).unwrap();
    assert_eq!(
        first["file"].as_str().unwrap(),
        s(&out.join("packages/0.json"))
    );
    // The same from shards and their merge.
    let mut parts = Vec::new();
    for i in 0..2 {
        let p = dir.path().join(format!("p{i}"));
        let o = shard_command(&t, &e, &key, &p, &format!("{i}/2"))
            .arg("--json")
            .output()
            .unwrap();
        assert!(o.status.success());
        parts.push(p);
    }
    let merged = dir.path().join("merged");
    let r = eligo(&[
        "snapshot",
        "--json",
        "--merge",
        s(&parts[0]),
        s(&parts[1]),
        "--out",
        s(&merged),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(lines(&r.stdout), want);
    // Refused: the over-capacity license is an error record, exit 2.
    let again = dir.path().join("again");
    let mut refused = snapshot_args(&t, &e, &again, "1024", "4");
    refused.retain(|a| *a != "--skip-over-capacity");
    refused.push("--json");
    let r = eligo(&refused);
    assert_eq!(r.code, 2);
    assert_eq!(
        lines(&r.stdout),
        vec![(9, "error".to_string(), "over_capacity".into())]
    );
}

#[test]
fn the_bench_plot_draws_two_panels_with_titles_k_steps_and_goals() {
    // The committed sweep: four capacities, two thread counts, k steps.
    let dir = tempfile::tempdir().unwrap();
    let csv = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/bench/bench.csv");
    let r = eligo(&["bench", "--render", csv, "--out", s(dir.path())]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let svg = std::fs::read_to_string(dir.path().join("bench.svg")).unwrap();
    for text in [
        "time per proof (log scale)",
        "capacity (tasks per license, log₂ scale)",
        "peak memory of one proof (MB)",
        "batch throughput (licenses per hour)",
        "goal: verify ≤ 10 ms",
        "goal: ≤ 512 MB",
    ] {
        assert!(svg.contains(text), "the plot lacks {text:?}");
    }
    assert!(
        svg.matches("class=\"k-step\"").count() >= 2,
        "a marker per k step"
    );
    // Rendered to pixels: both thread counts' colours and the goal's.
    let mut options = resvg::usvg::Options::default();
    options.fontdb_mut().load_system_fonts();
    let tree = resvg::usvg::Tree::from_str(&svg, &options).expect("a valid SVG");
    let size = tree.size().to_int_size();
    let mut pixmap = resvg::tiny_skia::Pixmap::new(size.width(), size.height()).unwrap();
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::default(),
        &mut pixmap.as_mut(),
    );
    let png = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("bench-plot.png");
    pixmap.save_png(&png).unwrap();
    let has = |rgb: [u8; 3]| {
        pixmap
            .pixels()
            .iter()
            .any(|p| [p.red(), p.green(), p.blue()] == rgb && p.alpha() == 255)
    };
    for rgb in [[0x1f, 0x77, 0xb4], [0xd6, 0x27, 0x28], [0x2c, 0xa0, 0x2c]] {
        assert!(has(rgb), "no pixel of {rgb:02x?} in {}", png.display());
    }
    let white = pixmap
        .pixels()
        .iter()
        .filter(|p| p.red() == 255 && p.green() == 255 && p.blue() == 255)
        .count();
    assert!(white < pixmap.pixels().len(), "something is drawn");
}

/// `eligo ARGS` on a pseudo-terminal (util-linux `script`), its output as
/// the terminal saw it.
fn eligo_on_a_terminal(args: &[&str]) -> String {
    let exe = env!("CARGO_BIN_EXE_eligo");
    let line = std::iter::once(exe)
        .chain(args.iter().copied())
        .map(|a| format!("'{a}'"))
        .collect::<Vec<_>>()
        .join(" ");
    let out = Command::new("script")
        .args(["-qec", &line, "/dev/null"])
        .env("ELIGO_HOME", common::home())
        .output()
        .expect("util-linux script");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_terminal_gets_progress_bars() {
    let dir = tempfile::tempdir().unwrap();
    let (t, e) = write_inputs(dir.path());
    let snap = dir.path().join("snap");
    let mut args = snapshot_args(&t, &e, &snap, "1024", "4");
    let screen = eligo_on_a_terminal(&args);
    assert!(
        screen.contains("% of the input,") && screen.contains("licenses ("),
        "{screen}"
    );
    assert!(screen.contains("since start]"), "{screen}");
    let out = dir.path().join("proofs");
    let sj = snap.join("snapshot.json");
    let (p0, p15) = (snap.join("packages/0.json"), snap.join("packages/15.json"));
    let screen = eligo_on_a_terminal(&[
        "prove",
        "--snapshot",
        s(&sj),
        "--package",
        s(&p0),
        s(&p15),
        "--out",
        s(&out),
        "--claimant",
        "0xa1",
        "--contract",
        TEST_CONTRACT,
        "--chain-id",
        "1",
    ]);
    assert!(screen.contains("[2/2] proofs"), "{screen}");
    assert!(screen.contains("since start"), "{screen}");
    // -q: no bar, results only.
    args.push("--force");
    args.push("-q");
    let screen = eligo_on_a_terminal(&args);
    assert!(!screen.contains("% of the input"), "{screen}");
    assert!(screen.contains("registry root:"), "{screen}");
}
