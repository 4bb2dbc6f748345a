//! Builds the app into `dist/`: wasm compiled, bound and size-optimised, every
//! asset content-hashed, subresource integrity in `index.html`, the service
//! worker's precache list generated from the files actually written, and
//! gzip variants for the server to send as they are.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use base64::Engine;
use sha2::{Digest, Sha256, Sha384};

use crate::process::{self, args};
use crate::root;
use crate::setup::Tools;

/// wasm features the Rust 1.95 wasm32 target emits; wasm-opt must be told, or it rejects them.
const WASM_FEATURES: &[&str] = &[
    "--enable-bulk-memory",
    "--enable-mutable-globals",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-reference-types",
    "--enable-multivalue",
];

fn io(what: &str, path: &Path, err: std::io::Error) -> String {
    format!("{what} {}: {err}", path.display())
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    fs::read(path).map_err(|e| io("cannot read", path, e))
}

fn write(path: &Path, data: &[u8]) -> Result<(), String> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(|e| io("cannot create", parent, e))?;
    }
    fs::write(path, data).map_err(|e| io("cannot write", path, e))
}

/// First 16 hex digits of SHA-256: the content hash in file names.
fn short_hash(parts: &[&[u8]]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_le_bytes());
        h.update(p);
    }
    hex::encode(&h.finalize()[..8])
}

/// Subresource-integrity value (`sha384-…`) of some bytes.
fn sri(data: &[u8]) -> String {
    format!("sha384-{}", base64::engine::general_purpose::STANDARD.encode(Sha384::digest(data)))
}

/// Builds the site. `release` selects the size-tuned wasm profile and wasm-opt;
/// otherwise a quicker dev build (for iterating on the UI).
pub fn build(tools: &Tools, release: bool) -> Result<PathBuf, String> {
    let root = root();
    let profile = if release { "wasm-release" } else { "dev" };
    process::run(
        "cargo",
        &args(&["build", "--package", "app", "--lib", "--target", "wasm32-unknown-unknown", "--profile", profile]),
        &[],
    )?;
    let profile_dir = if release { "wasm-release" } else { "debug" };
    let wasm_in = root.join("target/wasm32-unknown-unknown").join(profile_dir).join("app.wasm");
    let bindgen_out = root.join("target/wasm-bindgen");
    let _ = fs::remove_dir_all(&bindgen_out);
    process::run(
        &tools.wasm_bindgen.display().to_string(),
        &args(&[
            &wasm_in.display().to_string(),
            "--target",
            "web",
            "--no-typescript",
            "--out-dir",
            &bindgen_out.display().to_string(),
            "--out-name",
            "app",
        ]),
        &[],
    )?;
    let wasm_path = bindgen_out.join("app_bg.wasm");
    if release {
        // QV_WASM_KEEP_NAMES=1 keeps the function names (the wasm's name
        // section), so CPU profiles of a release build say where time goes.
        let keep_names = std::env::var_os("QV_WASM_KEEP_NAMES").is_some_and(|v| v == "1");
        let mut opt = args(if keep_names {
            &["-Oz", "--strip-producers"]
        } else {
            &["-Oz", "--strip-debug", "--strip-producers"]
        });
        opt.extend(args(WASM_FEATURES));
        let p = wasm_path.display().to_string();
        opt.extend(args(&[&p, "-o", &p]));
        process::run(&tools.wasm_opt.display().to_string(), &opt, &[])?;
    }
    assemble(&root, &bindgen_out)
}

/// Lays out `dist/` from the bound wasm, `style/`, `public/` and the templates in `app/`.
fn assemble(root: &Path, bindgen_out: &Path) -> Result<PathBuf, String> {
    let dist = root.join("dist");
    let _ = fs::remove_dir_all(&dist);
    let js = read(&bindgen_out.join("app.js"))?;
    let wasm = read(&bindgen_out.join("app_bg.wasm"))?;

    // The bundle: glue + wasm + boot script in one hashed folder, so the glue's
    // relative URL to the wasm stays valid and every file is immutable.
    // The background worker's script (app/worker.js) sits beside the glue it
    // imports and checks the wasm against the same integrity hash; the app
    // finds it next to the glue's URL (app/src/platform/worker.rs).
    let worker_template = String::from_utf8(read(&root.join("app/worker.js"))?).map_err(|e| e.to_string())?;
    let pkg = format!("pkg-{}", short_hash(&[&js, &wasm, worker_template.as_bytes()]));
    let boot_template = String::from_utf8(read(&root.join("app/boot.js"))?).map_err(|e| e.to_string())?;
    let boot = boot_template.replace("__WASM_INTEGRITY__", &sri(&wasm));
    write(&dist.join(&pkg).join("app.js"), &js)?;
    write(&dist.join(&pkg).join("app_bg.wasm"), &wasm)?;
    write(&dist.join(&pkg).join("boot.js"), boot.as_bytes())?;
    let worker = worker_template.replace("__WASM_INTEGRITY__", &sri(&wasm));
    write(&dist.join(&pkg).join("worker.js"), worker.as_bytes())?;
    // The same worker for transfers with the server, in the folder the
    // pass-through service worker controls (public/transfer/sw.js says why);
    // it reaches the bundle by its folder's name.
    let transfer_worker = bundle_relative(&worker, &format!("../{pkg}/"))?;
    write(&dist.join("transfer").join("worker.js"), transfer_worker.as_bytes())?;

    // One stylesheet from style/*.css, in name order.
    let mut css = Vec::new();
    let mut sheets: Vec<PathBuf> = list(&root.join("style"))?.into_iter().filter(|p| has_ext(p, "css")).collect();
    sheets.sort();
    for sheet in sheets {
        css.extend(read(&sheet)?);
        css.push(b'\n');
    }
    let css_name = format!("style-{}.css", short_hash(&[&css]));
    write(&dist.join(&css_name), &css)?;

    // Static public files (manifest, icons…), except the service-worker template.
    let public = root.join("public");
    for file in walk(&public)? {
        let rel = file.strip_prefix(&public).map_err(|e| e.to_string())?;
        if rel != Path::new("sw.js") {
            write(&dist.join(rel), &read(&file)?)?;
        }
    }

    let html_template = String::from_utf8(read(&root.join("app/index.html"))?).map_err(|e| e.to_string())?;
    let html = html_template
        .replace("__CSS__", &format!("/{css_name}"))
        .replace("__CSS_INTEGRITY__", &sri(&css))
        .replace("__JS__", &format!("/{pkg}/app.js"))
        .replace("__JS_INTEGRITY__", &sri(&js))
        .replace("__BOOT__", &format!("/{pkg}/boot.js"))
        .replace("__BOOT_INTEGRITY__", &sri(boot.as_bytes()))
        .replace("__VERSION__", env!("CARGO_PKG_VERSION"));
    write(&dist.join("index.html"), html.as_bytes())?;

    write_service_worker(&dist, &public)?;
    precompress(&dist)?;
    let wasm_gz = fs::metadata(dist.join(&pkg).join("app_bg.wasm.gz")).map(|m| m.len()).unwrap_or(0);
    println!("dist/ ready: wasm {} bytes ({} gzipped), {pkg}", wasm.len(), wasm_gz);
    Ok(dist)
}

/// The worker script with its bundle-relative URLs (`'./app.js'`,
/// `'./app_bg.wasm'`) pointing into `folder` instead.
fn bundle_relative(worker: &str, folder: &str) -> Result<String, String> {
    let mut out = worker.to_owned();
    for name in ["app.js", "app_bg.wasm"] {
        let from = format!("'./{name}'");
        if !out.contains(&from) {
            return Err(format!("app/worker.js no longer refers to {from}: update xtask/src/dist.rs"));
        }
        out = out.replace(&from, &format!("'{folder}{name}'"));
    }
    Ok(out)
}

/// `sw.js` = a generated header (version + precache list) + the template's logic.
/// The version is the hash of everything precached, so any change to the app
/// installs a new worker, which the page then offers to switch to.
fn write_service_worker(dist: &Path, public: &Path) -> Result<(), String> {
    let mut files: Vec<String> = walk(dist)?
        .iter()
        .filter_map(|p| p.strip_prefix(dist).ok())
        .map(|p| format!("/{}", p.display()))
        .filter(|p| p != "/index.html")
        .collect();
    files.sort();
    let mut contents: Vec<Vec<u8>> = Vec::new();
    for f in &files {
        contents.push(read(&dist.join(f.trim_start_matches('/')))?);
    }
    contents.push(read(&dist.join("index.html"))?);
    let refs: Vec<&[u8]> = contents.iter().map(Vec::as_slice).collect();
    let version = short_hash(&refs);
    let mut precache = vec!["/".to_owned()];
    precache.extend(files);
    let header = format!(
        "// Generated by `cargo xtask dist`: do not edit (template: public/sw.js).\n\
         const VERSION = {};\nconst PRECACHE = {};\n\n",
        serde_json::to_string(&version).map_err(|e| e.to_string())?,
        serde_json::to_string(&precache).map_err(|e| e.to_string())?
    );
    let mut sw = header.into_bytes();
    sw.extend(read(&public.join("sw.js"))?);
    write(&dist.join("sw.js"), &sw)
}

/// Writes `name.gz` beside each compressible file, for the server to send as is.
fn precompress(dist: &Path) -> Result<(), String> {
    for file in walk(dist)? {
        let compressible =
            ["js", "wasm", "css", "html", "svg", "webmanifest", "json"].iter().any(|e| has_ext(&file, e));
        if !compressible {
            continue;
        }
        let data = read(&file)?;
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        enc.write_all(&data).map_err(|e| e.to_string())?;
        let gz = enc.finish().map_err(|e| e.to_string())?;
        let mut name = file.clone().into_os_string();
        name.push(".gz");
        write(Path::new(&name), &gz)?;
    }
    Ok(())
}

fn has_ext(path: &Path, ext: &str) -> bool {
    path.extension().is_some_and(|e| e == ext)
}

fn list(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let entries = fs::read_dir(dir).map_err(|e| io("cannot list", dir, e))?;
    entries.map(|e| e.map(|e| e.path()).map_err(|err| io("cannot list", dir, err))).collect()
}

/// All files below `dir`, recursively.
fn walk(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for path in list(dir)? {
        if path.is_dir() {
            out.extend(walk(&path)?);
        } else {
            out.push(path);
        }
    }
    Ok(out)
}
