//! The HTTPS server of `lockgate admit`: `POST /validate` (AdmissionReview v1),
//! `GET /healthz`, `/readyz` and `/metrics`, with hot reload and graceful shutdown.
//!
//! - **Threads.** A tokio runtime serves HTTP/1.1 over rustls; judging an object (CPU
//!   work of a fraction of a millisecond) runs on a fixed pool of `workers` threads,
//!   each with its own policy evaluator ([`crate::pool`]). A full queue is answered
//!   with 503 at once.
//! - **Reload.** Every `reload_interval`, the configuration file and policy paths are
//!   checked for changes (modification times, sizes, directory entries) and loaded
//!   again off the serving threads; requests keep the state they started with, so none
//!   is dropped or judged by half a configuration. A configuration that fails to load
//!   is logged and counted, and the previous one stays. The certificate is checked the
//!   same way ([`crate::tls`]).
//! - **Shutdown.** On SIGTERM or Ctrl-C, `/readyz` fails at once, new connections are
//!   still taken for `shutdown_delay` (while the Service stops routing here), then the
//!   listener closes and open connections finish their requests, for at most
//!   `shutdown_grace`.
//! - **Limits.** Bodies over `max_request_bytes` get 413 without being read further;
//!   request headers must arrive within 10 s and a TLS handshake within 10 s.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant, SystemTime};

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use lockgate_engine::{Date, ObjectJudge};
use serde_json::json;

use crate::admission::{AdmissionRules, Decision, decide};
use crate::log::{DecisionLog, event, now_rfc3339};
use crate::metrics::Metrics;
use crate::pool::JudgePool;
use crate::review::{AdmissionResponse, AdmissionReview, AdmissionReviewResponse, Status};
use crate::tls::CertStore;

/// A loaded configuration: what judges requests, and the files it came from.
pub struct Loaded {
    pub judge: ObjectJudge,
    pub rules: AdmissionRules,
    /// The configuration file and policy paths (files or directories) to watch.
    pub watched: Vec<PathBuf>,
    /// The memory budget of one policy evaluation, for the process's memory limit.
    pub memory_budget: u64,
}

/// Loads the configuration and policies (the CLI's `--config`, `--profile`,
/// `--policy`, ...); called at start (with `None`) and on every change, with the
/// configuration in use, whose compiled parts may be shared.
pub type Loader = Box<dyn Fn(Option<&Loaded>) -> Result<Loaded, String> + Send + Sync>;

pub struct ServeOptions {
    pub listen: SocketAddr,
    pub cert: PathBuf,
    pub key: PathBuf,
    pub loader: Loader,
    pub decision_log: DecisionLog,
    pub max_request_bytes: usize,
    pub reload_interval: Duration,
    pub shutdown_delay: Duration,
    pub shutdown_grace: Duration,
    /// Worker threads (0: one per CPU).
    pub workers: usize,
}

/// One configuration in use, numbered.
struct State {
    generation: u64,
    loaded: Loaded,
}

struct App {
    state: RwLock<Arc<State>>,
    metrics: Metrics,
    decision_log: DecisionLog,
    max_request_bytes: usize,
    draining: AtomicBool,
    /// Where the watched files stood when the current state was loaded.
    signature: RwLock<Vec<FileStamp>>,
    generations: AtomicU64,
    pool: JudgePool,
}

/// Requests that may wait for a judging thread, per thread: beyond that the server is
/// overloaded and says so (503) instead of answering after the API server gave up.
const QUEUE_PER_WORKER: usize = 256;

/// Findings listed in one decision line (all are counted in `findings_total` and the
/// metrics): an object with thousands of containers must not make a line of megabytes.
const MAX_LOGGED_FINDINGS: usize = 100;

/// How long a request body may take to arrive (headers have their own 10 s limit).
const BODY_TIMEOUT: Duration = Duration::from_secs(10);

/// Open connections at most; more are closed as soon as they are accepted. The API
/// server keeps a few per replica; this bounds what a flood of idle connections holds.
const MAX_CONNECTIONS: usize = 4096;

/// Runs the server until SIGTERM or Ctrl-C. Errors are problems that stop it from
/// starting (certificate, configuration, address).
pub fn run(options: ServeOptions) -> Result<(), String> {
    let workers = if options.workers == 0 {
        std::thread::available_parallelism().map_or(2, |n| n.get())
    } else {
        options.workers
    };
    let certs = Arc::new(CertStore::open(&options.cert, &options.key)?);
    let tls = certs.server_config()?;
    let loaded = (options.loader)(None)?;
    let signature = signature_of(&loaded.watched);
    set_memory_limit(&loaded, workers);
    let app = Arc::new(App {
        state: RwLock::new(Arc::new(State {
            generation: 1,
            loaded,
        })),
        metrics: Metrics::default(),
        decision_log: options.decision_log,
        max_request_bytes: options.max_request_bytes,
        draining: AtomicBool::new(false),
        signature: RwLock::new(signature),
        generations: AtomicU64::new(1),
        pool: JudgePool::start(workers, workers * QUEUE_PER_WORKER)?,
    });
    app.metrics.generation.store(1, Ordering::Relaxed);
    // HTTP and TLS are light next to judging: half the threads serve them.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers.div_ceil(2))
        .enable_all()
        .thread_name("lockgate-admit")
        .build()
        .map_err(|e| format!("cannot start the server's threads: {e}"))?;
    let loader = Arc::new(options.loader);
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(options.listen)
            .await
            .map_err(|e| format!("cannot listen on {}: {e}", options.listen))?;
        let local = listener
            .local_addr()
            .map_or(options.listen.to_string(), |a| a.to_string());
        event(
            "info",
            "listening",
            &format!("serving admission reviews on https://{local}/validate"),
            json!({"address": local, "workers": workers, "profile": app.current().loaded.judge.effective().profile}),
        );
        let reloads = tokio::spawn(watch_changes(
            Arc::clone(&app),
            Arc::clone(&loader),
            Arc::clone(&certs),
            options.reload_interval,
            workers,
        ));
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(tls));
        let slots = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
        let graceful = hyper_util::server::graceful::GracefulShutdown::new();
        let stop = shutdown_signal();
        tokio::pin!(stop);
        let mut deadline: Option<tokio::time::Instant> = None;
        loop {
            let until_close = async {
                match deadline {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                accepted = listener.accept() => {
                    let (tcp, _peer) = match accepted {
                        Ok(pair) => pair,
                        Err(error) => {
                            // Out of file descriptors and the like: wait, do not spin.
                            event("warn", "accept-failed", &error.to_string(), json!({}));
                            tokio::time::sleep(Duration::from_millis(50)).await;
                            continue;
                        }
                    };
                    let Ok(slot) = Arc::clone(&slots).try_acquire_owned() else {
                        // Closed at once: the client sees the refusal instead of a hang.
                        app.metrics.count("lockgate_admission_errors_total", &[("reason", "too_many_connections")]);
                        drop(tcp);
                        continue;
                    };
                    let _ = tcp.set_nodelay(true);
                    let acceptor = acceptor.clone();
                    let app = Arc::clone(&app);
                    let watcher = graceful.watcher();
                    tokio::spawn(async move {
                        let _slot = slot;
                        let Ok(Ok(stream)) =
                            tokio::time::timeout(Duration::from_secs(10), acceptor.accept(tcp)).await
                        else {
                            return;
                        };
                        let service = hyper::service::service_fn(move |request| {
                            let app = Arc::clone(&app);
                            async move { Ok::<_, Infallible>(app.handle(request).await) }
                        });
                        let connection = hyper::server::conn::http1::Builder::new()
                            .timer(TokioTimer::new())
                            .header_read_timeout(Duration::from_secs(10))
                            .serve_connection(TokioIo::new(stream), service);
                        let _ = watcher.watch(connection).await;
                    });
                }
                () = &mut stop, if deadline.is_none() => {
                    app.draining.store(true, Ordering::Relaxed);
                    event("info", "draining", "shutdown requested: /readyz now fails; still serving for the shutdown delay", json!({"delay_ms": options.shutdown_delay.as_millis() as u64}));
                    deadline = Some(tokio::time::Instant::now() + options.shutdown_delay);
                }
                () = until_close => break,
            }
        }
        drop(listener);
        reloads.abort();
        let app_for_close = Arc::clone(&app);
        let open = graceful.count();
        tokio::select! {
            () = graceful.shutdown() => {
                event("info", "stopped", "every connection finished; stopping", json!({"connections": open}));
            }
            () = tokio::time::sleep(options.shutdown_grace) => {
                event("warn", "stopped", "the shutdown grace period ran out with connections still open", json!({"grace_ms": options.shutdown_grace.as_millis() as u64}));
            }
        }
        // Every decision made is in the log before the process ends.
        app_for_close.decision_log.close();
        Ok(())
    })
}

/// Resolves on SIGTERM (Kubernetes stopping the pod) or Ctrl-C.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(term) => term,
                Err(_) => {
                    let _ = tokio::signal::ctrl_c().await;
                    return;
                }
            };
        tokio::select! {
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// The process's memory limit for policy evaluations: one budget per worker plus room
/// for requests in flight.
fn set_memory_limit(loaded: &Loaded, workers: usize) {
    if loaded.judge.effective().policies.is_some() {
        lockgate_policy::set_standing_limit(loaded.memory_budget, workers, 64 * 1024 * 1024);
    } else {
        lockgate_policy::clear_standing_limit();
    }
}

/// Checks the watched files and the certificate every `interval`; loads what changed.
async fn watch_changes(
    app: Arc<App>,
    loader: Arc<Loader>,
    certs: Arc<CertStore>,
    interval: Duration,
    workers: usize,
) {
    let mut ticker = tokio::time::interval(interval.max(Duration::from_millis(100)));
    // The signature seen at the previous tick, while files are still changing.
    let mut pending: Option<Vec<FileStamp>> = None;
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ticker.tick().await;
    loop {
        ticker.tick().await;
        let certs = Arc::clone(&certs);
        if let Ok(Some(result)) =
            tokio::task::spawn_blocking(move || certs.reload_if_changed()).await
        {
            match result {
                Ok(()) => {
                    app.metrics.count(
                        "lockgate_admission_reloads_total",
                        &[("what", "certificate"), ("result", "ok")],
                    );
                    event(
                        "info",
                        "certificate-reloaded",
                        "the serving certificate changed and is now served",
                        json!({}),
                    );
                }
                Err(error) => {
                    app.metrics.count(
                        "lockgate_admission_reloads_total",
                        &[("what", "certificate"), ("result", "failed")],
                    );
                    event(
                        "error",
                        "certificate-reload-failed",
                        &format!("{error}; the previous certificate is still served"),
                        json!({}),
                    );
                }
            }
        }
        let watched = app.current().loaded.watched.clone();
        let app_for_check = Arc::clone(&app);
        let loader = Arc::clone(&loader);
        let seen_before = pending.take();
        let reloaded = tokio::task::spawn_blocking(move || {
            let now = signature_of(&watched);
            let current = app_for_check
                .signature
                .read()
                .unwrap_or_else(|p| p.into_inner())
                .clone();
            if current == now {
                return (None, None);
            }
            // Files being written (a copy, an editor saving, a ConfigMap volume
            // swapping) are loaded only once they stayed the same for one interval, so
            // a half-written file is never taken for the configuration.
            if seen_before.as_ref() != Some(&now) {
                return (None, Some(now));
            }
            let current = app_for_check.current();
            let loaded = loader(Some(&current.loaded));
            drop(current);
            if signature_of(&watched) != now {
                return (None, None); // changed while loading: wait for it to settle
            }
            // Remember this signature whatever the outcome, so a broken file is
            // reported once, not every interval.
            *app_for_check
                .signature
                .write()
                .unwrap_or_else(|p| p.into_inner()) = now;
            (Some(loaded), None)
        })
        .await;
        let reloaded = match reloaded {
            Ok((loaded, settling)) => {
                pending = settling;
                Ok(loaded)
            }
            Err(error) => Err(error),
        };
        match reloaded {
            Ok(Some(Ok(loaded))) => {
                set_memory_limit(&loaded, workers);
                let generation = app.generations.fetch_add(1, Ordering::Relaxed) + 1;
                *app.state.write().unwrap_or_else(|p| p.into_inner()) =
                    Arc::new(State { generation, loaded });
                app.metrics.generation.store(generation, Ordering::Relaxed);
                app.metrics.count(
                    "lockgate_admission_reloads_total",
                    &[("what", "config"), ("result", "ok")],
                );
                event(
                    "info",
                    "config-reloaded",
                    "the configuration or policies changed and are now in use",
                    json!({"generation": generation}),
                );
            }
            Ok(Some(Err(error))) => {
                app.metrics.count(
                    "lockgate_admission_reloads_total",
                    &[("what", "config"), ("result", "failed")],
                );
                event(
                    "error",
                    "config-reload-failed",
                    &format!("{error}; the previous configuration stays in use"),
                    json!({}),
                );
            }
            _ => {}
        }
    }
}

/// What a watched file or directory entry looked like.
#[derive(Debug, Clone, PartialEq, Eq)]
struct FileStamp {
    path: PathBuf,
    modified: Option<SystemTime>,
    len: u64,
}

/// Most entries a signature walks: policy trees are small; a huge tree is watched in part.
const MAX_WATCHED_ENTRIES: usize = 20_000;

/// The stamps of the watched paths and, for directories, of everything below them.
fn signature_of(paths: &[PathBuf]) -> Vec<FileStamp> {
    let mut stamps = Vec::new();
    let mut pending: Vec<PathBuf> = paths.to_vec();
    while let Some(path) = pending.pop() {
        if stamps.len() >= MAX_WATCHED_ENTRIES {
            break;
        }
        let metadata = std::fs::metadata(&path).ok();
        stamps.push(FileStamp {
            modified: metadata.as_ref().and_then(|m| m.modified().ok()),
            len: metadata.as_ref().map_or(0, std::fs::Metadata::len),
            path: path.clone(),
        });
        if metadata.is_some_and(|m| m.is_dir())
            && let Ok(entries) = std::fs::read_dir(&path)
        {
            // Symbolic links are not followed into directories, so a loop cannot hang
            // the watcher; a linked file's target is still stamped by `metadata`.
            for entry in entries.flatten() {
                let is_dir_link =
                    entry.file_type().is_ok_and(|t| t.is_symlink()) && entry.path().is_dir();
                if !is_dir_link {
                    pending.push(entry.path());
                }
            }
        }
    }
    stamps.sort_by(|a, b| a.path.cmp(&b.path));
    stamps
}

fn text_response(status: StatusCode, body: impl Into<String>) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body.into())));
    *response.status_mut() = status;
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

fn json_response(body: Vec<u8>) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    response
}

impl App {
    fn current(&self) -> Arc<State> {
        Arc::clone(&self.state.read().unwrap_or_else(|p| p.into_inner()))
    }

    async fn handle(self: Arc<Self>, request: Request<Incoming>) -> Response<Full<Bytes>> {
        match (request.method(), request.uri().path()) {
            (&Method::POST, "/validate") => self.validate(request).await,
            (&Method::GET, "/healthz") => text_response(StatusCode::OK, "ok\n"),
            (&Method::GET, "/readyz") => {
                if self.draining.load(Ordering::Relaxed) {
                    text_response(StatusCode::SERVICE_UNAVAILABLE, "shutting down\n")
                } else {
                    text_response(StatusCode::OK, "ready\n")
                }
            }
            (&Method::GET, "/metrics") => {
                let mut response = text_response(StatusCode::OK, self.metrics.render());
                response.headers_mut().insert(
                    hyper::header::CONTENT_TYPE,
                    hyper::header::HeaderValue::from_static("text/plain; version=0.0.4"),
                );
                response
            }
            (_, "/validate" | "/healthz" | "/readyz" | "/metrics") => {
                text_response(StatusCode::METHOD_NOT_ALLOWED, "method not allowed\n")
            }
            _ => text_response(
                StatusCode::NOT_FOUND,
                "not found: lockgate admit serves POST /validate, GET /healthz, /readyz, /metrics\n",
            ),
        }
    }

    fn error(&self, status: StatusCode, reason: &str, message: String) -> Response<Full<Bytes>> {
        self.metrics
            .count("lockgate_admission_errors_total", &[("reason", reason)]);
        event(
            "warn",
            "bad-request",
            &message,
            json!({"reason": reason, "status": status.as_u16()}),
        );
        text_response(status, message + "\n")
    }

    async fn validate(self: Arc<Self>, request: Request<Incoming>) -> Response<Full<Bytes>> {
        let json = request
            .headers()
            .get(hyper::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("json"));
        if !json {
            return self.error(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "content_type",
                "an AdmissionReview must be sent as application/json".into(),
            );
        }
        let declared = request
            .headers()
            .get(hyper::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        if declared.is_some_and(|n| n > self.max_request_bytes) {
            return self.too_large();
        }
        let reading = Limited::new(request.into_body(), self.max_request_bytes).collect();
        // A client that sends its body a byte at a time must not hold a connection forever.
        let Ok(read) = tokio::time::timeout(BODY_TIMEOUT, reading).await else {
            return self.error(
                StatusCode::REQUEST_TIMEOUT,
                "body_timeout",
                format!(
                    "the request body did not arrive within {} s",
                    BODY_TIMEOUT.as_secs()
                ),
            );
        };
        let body = match read {
            Ok(collected) => collected.to_bytes(),
            Err(error) => {
                if error
                    .downcast_ref::<http_body_util::LengthLimitError>()
                    .is_some()
                {
                    return self.too_large();
                }
                return self.error(
                    StatusCode::BAD_REQUEST,
                    "body",
                    format!("cannot read the request body: {error}"),
                );
            }
        };
        let started = Instant::now();
        let review: AdmissionReview = match serde_json::from_slice(&body) {
            Ok(review) => review,
            Err(error) => {
                return self.error(
                    StatusCode::BAD_REQUEST,
                    "invalid_review",
                    format!("the body is not an AdmissionReview: {error}"),
                );
            }
        };
        if review.api_version != crate::review::API_VERSION || review.kind != crate::review::KIND {
            return self.error(
                StatusCode::BAD_REQUEST,
                "invalid_review",
                format!(
                    "expected apiVersion {} and kind {}, got `{}` and `{}` (set admissionReviewVersions: [\"v1\"] in the webhook configuration)",
                    crate::review::API_VERSION,
                    crate::review::KIND,
                    review.api_version,
                    review.kind
                ),
            );
        }
        let Some(request) = review.request else {
            return self.error(
                StatusCode::BAD_REQUEST,
                "invalid_review",
                "the AdmissionReview has no `request`".into(),
            );
        };
        if request.uid.is_empty() {
            return self.error(
                StatusCode::BAD_REQUEST,
                "invalid_review",
                "the AdmissionReview's request has no `uid`".into(),
            );
        }
        let state = self.current();
        let kind = request.kind.display();
        self.metrics.count(
            "lockgate_admission_requests_total",
            &[("operation", &request.operation), ("kind", &kind)],
        );
        let generation = state.generation;
        let submitted = self.pool.submit(move |worker| {
            let judged = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let evaluator = worker.evaluator(generation, || state.loaded.judge.evaluator());
                decide(
                    &state.loaded.judge,
                    &state.loaded.rules,
                    &request,
                    evaluator,
                    Date::today(),
                )
            }));
            if judged.is_err() {
                // The evaluator may be half-way through something: start a fresh one.
                worker.reset();
            }
            (judged.ok(), request)
        });
        let Ok(answer) = submitted else {
            return self.error(
                StatusCode::SERVICE_UNAVAILABLE,
                "overloaded",
                "lockgate is judging as many requests as it can queue; try again".into(),
            );
        };
        let Ok((judged, request)) = answer.await else {
            return self.error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "a judging thread stopped".into(),
            );
        };
        let decision = match judged {
            Some(decision) => decision,
            None => {
                self.metrics
                    .count("lockgate_admission_errors_total", &[("reason", "internal")]);
                Decision {
                    response: AdmissionResponse {
                        uid: request.uid.clone(),
                        allowed: false,
                        status: Some(Status {
                            code: 500,
                            message: "lockgate: internal error while judging this object (a bug: please report it with the object); the request is denied".into(),
                            reason: "InternalError",
                        }),
                        warnings: Vec::new(),
                    },
                    outcome: crate::admission::Outcome::Denied,
                    mode: None,
                    reason: "internal error".into(),
                    findings: Vec::new(),
                    failing: 0,
                    would_deny: true,
                }
            }
        };
        let body = serde_json::to_vec(&AdmissionReviewResponse::new(decision.response))
            .unwrap_or_default();
        let elapsed = started.elapsed();
        self.metrics.observe(elapsed);
        let mode = decision.mode.map_or("none", |m| m.as_str());
        self.metrics.count(
            "lockgate_admission_decisions_total",
            &[
                ("outcome", decision.outcome.as_str()),
                ("mode", mode),
                (
                    "would_deny",
                    if decision.would_deny { "true" } else { "false" },
                ),
            ],
        );
        for finding in &decision.findings {
            self.metrics.count(
                "lockgate_admission_findings_total",
                &[("rule", &finding.rule_id), ("mode", mode)],
            );
        }
        let user = request.user();
        self.decision_log.write(&json!({
            "time": now_rfc3339(),
            "event": "decision",
            "uid": request.uid,
            "operation": request.operation,
            "kind": kind,
            "namespace": request.namespace,
            "name": request.name,
            "user": user.username,
            "dry_run": request.is_dry_run(),
            "mode": decision.mode.map(|m| m.as_str()),
            "outcome": decision.outcome.as_str(),
            "allowed": decision.outcome != crate::admission::Outcome::Denied,
            "would_deny": decision.would_deny,
            "reason": decision.reason,
            "failing": decision.failing,
            "findings": decision.findings.iter().take(MAX_LOGGED_FINDINGS).map(|f| json!({
                "rule": f.rule_id,
                "severity": f.severity.as_str(),
                "message": f.message,
                "fingerprint": f.fingerprint,
            })).collect::<Vec<_>>(),
            "findings_total": decision.findings.len(),
            "generation": generation,
            "duration_us": u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX),
        }));
        json_response(body)
    }

    fn too_large(&self) -> Response<Full<Bytes>> {
        self.error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!(
                "the AdmissionReview is larger than the {}-byte limit (raise --max-request-size)",
                self.max_request_bytes
            ),
        )
    }
}
