//! `callus sweep --slurm`: a study as a Slurm job array whose tasks run its shards
//! (`--shard K/N`), and a merge job that runs when every task has ended (`afterany`, so that the
//! merge names a shard that did not finish instead of never running). Written into `OUT/slurm/`;
//! with `--submit`, submitted with `sbatch`.

use std::path::Path;
use std::process::Command;

/// A word for a POSIX shell: single-quoted unless it is plainly safe.
fn quoted(word: &str) -> String {
    if !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=,:+@%".contains(c))
    {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// The text of a batch script: `#SBATCH` lines, then `command` (already quoted words).
fn batch_script(description: &str, sbatch: &[String], command: &str) -> String {
    let mut text = format!("#!/bin/bash\n# {description}\n# Written by `callus sweep --slurm`; submit with sbatch (see README, \"Studies on a Slurm cluster\").\n");
    for option in sbatch {
        text.push_str(&format!("#SBATCH {option}\n"));
    }
    text.push_str("set -euo pipefail\n");
    text.push_str(command);
    text.push('\n');
    text
}

/// Writes `OUT/slurm/sweep.sbatch` (the array, `shards` tasks, default one per case) and
/// `OUT/slurm/merge.sbatch`; with `submit`, submits both and prints their job ids.
pub fn write_jobs(
    task_args: Vec<String>,
    cases: usize,
    out: &Path,
    shards: Option<usize>,
    cpus_per_task: usize,
    extra: &[String],
    submit: bool,
) -> Result<(), String> {
    let shards = shards.unwrap_or(cases).clamp(1, cases.max(1));
    let exe = std::env::current_exe().map_err(|e| format!("cannot find the callus binary: {e}"))?;
    let out = std::path::absolute(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let dir = out.join("slurm");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let cwd = std::env::current_dir().map_err(|e| e.to_string())?;
    let common = |name: &str, log: &str| -> Vec<String> {
        let mut o = vec![
            format!("--job-name={name}"),
            format!("--chdir={}", quoted(&cwd.display().to_string())),
            format!("--output={}", quoted(&dir.join(log).display().to_string())),
        ];
        o.extend(extra.iter().cloned());
        o
    };
    let exe = quoted(&exe.display().to_string());
    let mut array = common("callus-sweep", "shard-%a.log");
    array.push(format!("--array=0-{}", shards - 1));
    array.push(format!("--cpus-per-task={cpus_per_task}"));
    let words: Vec<String> = task_args.iter().map(|w| quoted(w)).collect();
    let task = format!(
        "exec {exe} {} --threads=\"${{SLURM_CPUS_PER_TASK:-1}}\" --shard=\"$((SLURM_ARRAY_TASK_ID + 1))/{shards}\"",
        words.join(" ")
    );
    let array_script = batch_script(
        &format!("{cases} cases in {shards} shards: task i runs shard i+1 of {shards}."),
        &array,
        &task,
    );
    let merge_options = common("callus-merge", "merge.log");
    let out_word = quoted(&out.display().to_string());
    let merge_script = batch_script(
        "Merges the shards into sweep.csv, sweep.h5 and plots/ (submitted to run after the array).",
        &merge_options,
        &format!("exec {exe} sweep merge {out_word} --out {out_word}"),
    );
    let write = |name: &str, text: &str| -> Result<std::path::PathBuf, String> {
        let path = dir.join(name);
        callus_io::atomic::write_atomically(&path, text.as_bytes()).map_err(|e| e.to_string())?;
        Ok(path)
    };
    let array_path = write("sweep.sbatch", &array_script)?;
    let merge_path = write("merge.sbatch", &merge_script)?;
    if !submit {
        println!(
            "wrote {} ({shards} tasks) and {}\n  submit: jid=$(sbatch --parsable {}) && sbatch --dependency=afterany:$jid {}",
            array_path.display(),
            merge_path.display(),
            array_path.display(),
            merge_path.display()
        );
        return Ok(());
    }
    let array_id = sbatch(&[array_path.display().to_string()])?;
    let merge_id = sbatch(&[
        format!("--dependency=afterany:{array_id}"),
        merge_path.display().to_string(),
    ])?;
    println!("submitted job array {array_id} ({shards} tasks) and merge job {merge_id}");
    println!(
        "  results: {}/sweep.csv when job {merge_id} ends; logs in {}/",
        out.display(),
        dir.display()
    );
    Ok(())
}

/// Runs `sbatch --parsable ARGS` and gives the job id.
fn sbatch(args: &[String]) -> Result<String, String> {
    let output = Command::new("sbatch")
        .arg("--parsable")
        .args(args)
        .output()
        .map_err(|e| format!("cannot run sbatch ({e}); is Slurm installed? (scripts/slurm-cluster.sh starts a one-node cluster)"))?;
    if !output.status.success() {
        return Err(format!(
            "sbatch {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    let text = String::from_utf8_lossy(&output.stdout);
    // `--parsable` prints `id` or `id;cluster`.
    Ok(text
        .trim()
        .split(';')
        .next()
        .unwrap_or_default()
        .to_string())
}
