//! Open-loop, fixed-rate load generator for `lockgate admit` (bench/admission/run.sh).
//!
//! Request `i` is *scheduled* at `t0 + i / rate` by a dedicated thread, whatever happened
//! to the requests before it; a pool of keep-alive HTTPS connections takes scheduled
//! requests in order, and a request that finds every connection busy waits for one. Its
//! latency is measured from its scheduled time to the last byte of the response, so time
//! spent queued behind a slow server counts (no coordinated omission). Also reported:
//! the service time (from when a connection took the request) and the generator's own
//! schedule lag (how late the scheduling thread released a request: this machine's
//! timer, not the server).
//!
//! Each request body is a line of `--bodies` (one AdmissionReview per line, sent round
//! robin) with its `request.uid` — the first `"uid":"…"` in the line — replaced by one
//! unique to the request, unless `--keep-uids`. Every answer must be HTTP 200 with an
//! AdmissionReview whose `response.uid` is the request's and `response.allowed` is a
//! boolean; anything else is an error, counted by kind.
//!
//! Output: one JSON object on standard output. Exit status 0 when the run happened
//! (errors are data in the JSON), 2 when it could not start.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;
use hyper::{Request, StatusCode, Uri};
use hyper_util::rt::TokioIo;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName};
use serde_json::{Value, json};
use tokio::sync::{Mutex, mpsc};

const USAGE: &str = "usage: lockgate-admission-loadgen --url https://127.0.0.1:PORT/validate --ca CA.pem \
--bodies REVIEWS.jsonl --rate N --seconds S [--connections 32] [--timeout-ms 5000] [--threads 1] [--keep-uids]";

struct Options {
    url: Uri,
    ca: String,
    bodies: String,
    rate: f64,
    seconds: f64,
    connections: usize,
    timeout: Duration,
    threads: usize,
    keep_uids: bool,
}

fn fail(message: impl std::fmt::Display) -> ! {
    eprintln!("loadgen: error: {message}");
    std::process::exit(2)
}

fn parse_options() -> Options {
    let mut url = None;
    let mut ca = None;
    let mut bodies = None;
    let mut rate = None;
    let mut seconds = None;
    let mut connections = 32usize;
    let mut timeout_ms = 5000u64;
    let mut threads = 1usize;
    let mut keep_uids = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--keep-uids" {
            keep_uids = true;
            continue;
        }
        if arg == "-h" || arg == "--help" {
            println!("{USAGE}");
            std::process::exit(0);
        }
        let value = args
            .next()
            .unwrap_or_else(|| fail(format!("{arg} needs a value\n{USAGE}")));
        let number = |what: &str| -> f64 {
            value
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite() && *v > 0.0)
                .unwrap_or_else(|| fail(format!("{what} must be a positive number, not `{value}`")))
        };
        match arg.as_str() {
            "--url" => {
                url = Some(
                    value
                        .parse::<Uri>()
                        .unwrap_or_else(|e| fail(format!("--url `{value}`: {e}"))),
                )
            }
            "--ca" => ca = Some(value.clone()),
            "--bodies" => bodies = Some(value.clone()),
            "--rate" => rate = Some(number("--rate")),
            "--seconds" => seconds = Some(number("--seconds")),
            "--connections" => connections = number("--connections") as usize,
            "--timeout-ms" => timeout_ms = number("--timeout-ms") as u64,
            "--threads" => threads = number("--threads") as usize,
            other => fail(format!("unknown option {other}\n{USAGE}")),
        }
    }
    let missing = |what: &str| -> ! { fail(format!("{what} is required\n{USAGE}")) };
    Options {
        url: url.unwrap_or_else(|| missing("--url")),
        ca: ca.unwrap_or_else(|| missing("--ca")),
        bodies: bodies.unwrap_or_else(|| missing("--bodies")),
        rate: rate.unwrap_or_else(|| missing("--rate")),
        seconds: seconds.unwrap_or_else(|| missing("--seconds")),
        connections: connections.max(1),
        timeout: Duration::from_millis(timeout_ms),
        threads: threads.max(1),
        keep_uids,
    }
}

/// One line of `--bodies`, with where its request uid sits.
struct Body {
    text: Bytes,
    uid: std::ops::Range<usize>,
}

fn load_bodies(path: &str) -> Vec<Body> {
    let text =
        std::fs::read(path).unwrap_or_else(|e| fail(format!("cannot read --bodies {path}: {e}")));
    let mut bodies = Vec::new();
    for (number, line) in text.split(|b| *b == b'\n').enumerate() {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let key = b"\"uid\":\"";
        let start = line
            .windows(key.len())
            .position(|w| w == key)
            .map(|p| p + key.len())
            .unwrap_or_else(|| {
                fail(format!(
                    "{path}:{}: no \"uid\":\"...\" in the line",
                    number + 1
                ))
            });
        let end = line[start..]
            .iter()
            .position(|b| *b == b'"')
            .map(|p| start + p)
            .unwrap_or_else(|| fail(format!("{path}:{}: unterminated uid", number + 1)));
        bodies.push(Body {
            text: Bytes::copy_from_slice(line),
            uid: start..end,
        });
    }
    if bodies.is_empty() {
        fail(format!("{path} has no request bodies"));
    }
    bodies
}

struct Context {
    address: SocketAddr,
    host: String,
    path: String,
    server_name: ServerName<'static>,
    tls: tokio_rustls::TlsConnector,
    bodies: Vec<Body>,
    keep_uids: bool,
    /// Distinguishes this run's uids from other runs'.
    nonce: u32,
    timeout: Duration,
}

impl Context {
    /// The body and uid of request `index`.
    fn request(&self, index: u64) -> (Bytes, String) {
        let body = &self.bodies[(index % self.bodies.len() as u64) as usize];
        let original = String::from_utf8_lossy(&body.text[body.uid.clone()]).into_owned();
        if self.keep_uids {
            return (body.text.clone(), original);
        }
        let uid = format!("{:08x}-0000-4000-8000-{:012x}", self.nonce, index);
        let mut text = Vec::with_capacity(body.text.len() + uid.len());
        text.extend_from_slice(&body.text[..body.uid.start]);
        text.extend_from_slice(uid.as_bytes());
        text.extend_from_slice(&body.text[body.uid.end..]);
        (Bytes::from(text), uid)
    }

    async fn connect(&self) -> Result<SendRequest<Full<Bytes>>, String> {
        let tcp = tokio::net::TcpStream::connect(self.address)
            .await
            .map_err(|e| format!("connect {}: {e}", self.address))?;
        tcp.set_nodelay(true)
            .map_err(|e| format!("set TCP_NODELAY: {e}"))?;
        let tls = self
            .tls
            .connect(self.server_name.clone(), tcp)
            .await
            .map_err(|e| format!("TLS handshake with {}: {e}", self.address))?;
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
            .await
            .map_err(|e| format!("HTTP/1.1 handshake: {e}"))?;
        tokio::spawn(async move {
            let _ = connection.await;
        });
        Ok(sender)
    }
}

/// A request the scheduler released.
struct Job {
    index: u64,
    scheduled: Instant,
    released: Instant,
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Failure {
    Connect,
    Transport,
    Status,
    Timeout,
    BadBody,
    UidMismatch,
    NoAllowed,
}

impl Failure {
    const ALL: [Failure; 7] = [
        Failure::Connect,
        Failure::Transport,
        Failure::Status,
        Failure::Timeout,
        Failure::BadBody,
        Failure::UidMismatch,
        Failure::NoAllowed,
    ];

    fn name(self) -> &'static str {
        match self {
            Failure::Connect => "connect",
            Failure::Transport => "transport",
            Failure::Status => "http_status",
            Failure::Timeout => "timeout",
            Failure::BadBody => "bad_body",
            Failure::UidMismatch => "uid_mismatch",
            Failure::NoAllowed => "no_allowed",
        }
    }
}

enum Outcome {
    Allowed,
    Denied,
    Failed(Failure, String),
}

struct Sample {
    scheduled: Instant,
    released: Instant,
    started: Instant,
    done: Instant,
    status: Option<u16>,
    outcome: Outcome,
}

/// Checks an answer: HTTP 200, an AdmissionReview for this uid, a boolean `allowed`.
fn judge(status: StatusCode, body: &[u8], uid: &str) -> Outcome {
    if status != StatusCode::OK {
        let text = String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned();
        return Outcome::Failed(Failure::Status, format!("HTTP {status}: {text}"));
    }
    let Ok(review) = serde_json::from_slice::<Value>(body) else {
        return Outcome::Failed(Failure::BadBody, "the body is not JSON".into());
    };
    let response = &review["response"];
    if review["kind"] != "AdmissionReview" || !response.is_object() {
        return Outcome::Failed(
            Failure::BadBody,
            "not an AdmissionReview with a response".into(),
        );
    }
    if response["uid"].as_str() != Some(uid) {
        return Outcome::Failed(
            Failure::UidMismatch,
            format!("sent uid {uid}, got {}", response["uid"]),
        );
    }
    match response["allowed"].as_bool() {
        Some(true) => Outcome::Allowed,
        Some(false) => Outcome::Denied,
        None => Outcome::Failed(
            Failure::NoAllowed,
            "response.allowed is missing or not a boolean".into(),
        ),
    }
}

async fn worker(
    context: Arc<Context>,
    jobs: Arc<Mutex<mpsc::UnboundedReceiver<Job>>>,
    mut connection: Option<SendRequest<Full<Bytes>>>,
) -> (Vec<Sample>, u64) {
    let mut samples = Vec::new();
    let mut reconnects = 0u64;
    loop {
        let job = { jobs.lock().await.recv().await };
        let Some(job) = job else { break };
        let started = Instant::now();
        let (body, uid) = context.request(job.index);
        let sample = |status: Option<u16>, outcome: Outcome| Sample {
            scheduled: job.scheduled,
            released: job.released,
            started,
            done: Instant::now(),
            status,
            outcome,
        };
        if connection.as_ref().is_none_or(SendRequest::is_closed) {
            reconnects += 1;
            match context.connect().await {
                Ok(c) => connection = Some(c),
                Err(e) => {
                    connection = None;
                    samples.push(sample(None, Outcome::Failed(Failure::Connect, e)));
                    // Do not spin against a server that refuses connections.
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            }
        }
        let Some(sender) = connection.as_mut() else {
            continue;
        };
        let request = Request::post(context.path.as_str())
            .header(hyper::header::HOST, context.host.as_str())
            .header(hyper::header::CONTENT_TYPE, "application/json")
            .header(hyper::header::ACCEPT, "application/json")
            .body(Full::new(body));
        let request = match request {
            Ok(r) => r,
            Err(e) => fail(format!("cannot build a request: {e}")),
        };
        let exchange = async {
            sender.ready().await.map_err(|e| e.to_string())?;
            let response = sender
                .send_request(request)
                .await
                .map_err(|e| e.to_string())?;
            let status = response.status();
            let bytes = response
                .into_body()
                .collect()
                .await
                .map_err(|e| e.to_string())?
                .to_bytes();
            Ok::<_, String>((status, bytes))
        };
        match tokio::time::timeout(context.timeout, exchange).await {
            Err(_) => {
                connection = None;
                let message = format!("no answer within {:?}", context.timeout);
                samples.push(sample(None, Outcome::Failed(Failure::Timeout, message)));
            }
            Ok(Err(e)) => {
                connection = None;
                samples.push(sample(None, Outcome::Failed(Failure::Transport, e)));
            }
            Ok(Ok((status, bytes))) => {
                let outcome = judge(status, &bytes, &uid);
                samples.push(sample(Some(status.as_u16()), outcome));
            }
        }
    }
    (samples, reconnects)
}

fn millis(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e6).round() / 1e3
}

/// Nearest-rank percentiles (and max, mean) of durations, in milliseconds.
fn summary(mut values: Vec<Duration>) -> Value {
    if values.is_empty() {
        return json!(null);
    }
    values.sort_unstable();
    let at = |p: f64| {
        let rank = ((p / 100.0) * values.len() as f64).ceil() as usize;
        millis(values[rank.clamp(1, values.len()) - 1])
    };
    let total: Duration = values.iter().sum();
    json!({
        "p50": at(50.0), "p90": at(90.0), "p99": at(99.0), "p99.9": at(99.9),
        "max": millis(values[values.len() - 1]),
        "mean": millis(total / values.len() as u32),
    })
}

fn main() {
    let options = parse_options();
    if options.url.scheme_str() != Some("https") {
        fail("--url must be https://HOST:PORT/PATH");
    }
    let host = options
        .url
        .host()
        .unwrap_or_else(|| fail("--url has no host"))
        .trim_matches(['[', ']'])
        .to_string();
    let port = options.url.port_u16().unwrap_or(443);
    let address: SocketAddr = format!("{host}:{port}")
        .parse()
        .or_else(|_| format!("[{host}]:{port}").parse())
        .unwrap_or_else(|_| {
            fail(format!(
                "--url host `{host}` must be an IP address (the bench runs on loopback)"
            ))
        });
    let server_name = ServerName::try_from(host.clone())
        .unwrap_or_else(|e| fail(format!("--url host `{host}`: {e}")));

    let mut roots = rustls::RootCertStore::empty();
    let certs = CertificateDer::pem_file_iter(&options.ca)
        .unwrap_or_else(|e| fail(format!("cannot read --ca {}: {e}", options.ca)));
    for cert in certs {
        let cert = cert.unwrap_or_else(|e| fail(format!("--ca {}: {e}", options.ca)));
        roots
            .add(cert)
            .unwrap_or_else(|e| fail(format!("--ca {}: {e}", options.ca)));
    }
    if roots.is_empty() {
        fail(format!("--ca {} holds no certificate", options.ca));
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap_or_else(|e| fail(format!("TLS configuration: {e}")))
        .with_root_certificates(roots)
        .with_no_client_auth();

    let context = Arc::new(Context {
        address,
        host: format!("{host}:{port}"),
        path: options
            .url
            .path_and_query()
            .map_or("/".to_string(), |p| p.as_str().to_string()),
        server_name,
        tls: tokio_rustls::TlsConnector::from(Arc::new(tls)),
        bodies: load_bodies(&options.bodies),
        keep_uids: options.keep_uids,
        nonce: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos() ^ (d.as_secs() as u32)),
        timeout: options.timeout,
    });

    let runtime = if options.threads == 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(options.threads)
            .enable_all()
            .build()
    }
    .unwrap_or_else(|e| fail(format!("cannot start the runtime: {e}")));

    let total = (options.rate * options.seconds).round() as u64;
    let report = runtime.block_on(async move {
        // Every connection is open (TLS done) before the clock starts.
        let mut connections = Vec::new();
        for _ in 0..options.connections {
            match context.connect().await {
                Ok(c) => connections.push(c),
                Err(e) => fail(format!("cannot open the connection pool: {e}")),
            }
        }
        let (sender, receiver) = mpsc::unbounded_channel::<Job>();
        let receiver = Arc::new(Mutex::new(receiver));
        let mut workers = Vec::new();
        for connection in connections {
            workers.push(tokio::spawn(worker(
                Arc::clone(&context),
                Arc::clone(&receiver),
                Some(connection),
            )));
        }
        let t0 = Instant::now() + Duration::from_millis(20);
        let rate = options.rate;
        // The schedule runs on its own thread: tokio's timer has a 1 ms granularity,
        // too coarse for a 2 ms target at 2,000 requests/s.
        let scheduler = std::thread::spawn(move || {
            for index in 0..total {
                let scheduled = t0 + Duration::from_secs_f64(index as f64 / rate);
                let now = Instant::now();
                if scheduled > now {
                    std::thread::sleep(scheduled - now);
                }
                let job = Job {
                    index,
                    scheduled,
                    released: Instant::now(),
                };
                if sender.send(job).is_err() {
                    break;
                }
            }
        });
        let mut samples = Vec::new();
        let mut reconnects = 0;
        for worker in workers {
            match worker.await {
                Ok((s, r)) => {
                    samples.extend(s);
                    reconnects += r;
                }
                Err(e) => fail(format!("a connection task failed: {e}")),
            }
        }
        if scheduler.join().is_err() {
            fail("the scheduling thread panicked");
        }
        let sent = samples.len() as u64;
        let mut latency = Vec::new();
        let mut service = Vec::new();
        let mut lag = Vec::new();
        let mut queued = Vec::new();
        let mut failures: BTreeMap<Failure, u64> = Failure::ALL.iter().map(|f| (*f, 0)).collect();
        let mut statuses: BTreeMap<String, u64> = BTreeMap::new();
        let mut examples: Vec<String> = Vec::new();
        let (mut allowed, mut denied, mut answered) = (0u64, 0u64, 0u64);
        let mut last = t0;
        for s in &samples {
            lag.push(s.released.saturating_duration_since(s.scheduled));
            if let Some(code) = s.status {
                answered += 1;
                *statuses.entry(code.to_string()).or_insert(0) += 1;
            }
            match &s.outcome {
                Outcome::Allowed | Outcome::Denied => {
                    if matches!(s.outcome, Outcome::Allowed) {
                        allowed += 1;
                    } else {
                        denied += 1;
                    }
                    latency.push(s.done.saturating_duration_since(s.scheduled));
                    service.push(s.done.saturating_duration_since(s.started));
                    queued.push(s.started.saturating_duration_since(s.released));
                    last = last.max(s.done);
                }
                Outcome::Failed(kind, message) => {
                    *failures.entry(*kind).or_insert(0) += 1;
                    if examples.len() < 5 {
                        examples.push(format!("{}: {message}", kind.name()));
                    }
                }
            }
        }
        let ok = allowed + denied;
        let span = last.saturating_duration_since(t0).as_secs_f64();
        let errors: u64 = failures.values().sum::<u64>() + total.saturating_sub(sent);
        json!({
            "url": options.url.to_string(),
            "target_rate": options.rate,
            "seconds": options.seconds,
            "connections": options.connections,
            "threads": options.threads,
            "bodies": context.bodies.len(),
            "uids": if options.keep_uids { "from the bodies file" } else { "rewritten per request" },
            "scheduled": total,
            "sent": sent,
            "answered": answered,
            "ok": ok,
            "allowed": allowed,
            "denied": denied,
            "errors": errors,
            "errors_by_kind": failures.iter().map(|(k, v)| (k.name().to_string(), json!(v))).collect::<serde_json::Map<_, _>>(),
            "error_examples": examples,
            "http_status": statuses,
            "reconnects": reconnects,
            "duration_s": (span * 1000.0).round() / 1000.0,
            "achieved_rate": if span > 0.0 { (ok as f64 / span * 10.0).round() / 10.0 } else { 0.0 },
            "latency_ms": summary(latency),
            "service_ms": summary(service),
            "queue_wait_ms": summary(queued),
            "schedule_lag_ms": summary(lag),
        })
    });
    println!("{report}");
}
