//! A tiny scripted HTTP server on 127.0.0.1:0 for the adapter's tests: each request is logged
//! and answered by a script given the request and how often its path was hit before.

#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use axum::Router;
use reqwest::Url;

#[derive(Clone, Debug)]
pub struct Req {
    pub method: String,
    pub path: String,
    pub query: String,
    pub headers: HeaderMap,
    pub body: String,
}

impl Req {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// The form-encoded body (or the query string) as decoded pairs.
    pub fn pairs_of(text: &str) -> Vec<(String, String)> {
        let url = Url::parse(&format!("http://x/?{text}")).expect("pairs");
        url.query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }

    pub fn form(&self) -> Vec<(String, String)> {
        Self::pairs_of(&self.body)
    }

    pub fn field(&self, name: &str) -> Option<String> {
        self.form()
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }
}

pub struct Reply {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
    pub delay: Duration,
}

pub fn json(status: u16, body: &str) -> Reply {
    Reply {
        status,
        headers: vec![("content-type", "application/json".into())],
        body: body.into(),
        delay: Duration::ZERO,
    }
}

pub fn ok(body: &str) -> Reply {
    json(200, body)
}

/// (request, how many times this path was hit before) → reply
pub type Script = dyn Fn(&Req, usize) -> Reply + Send + Sync;

pub struct Srv {
    script: Box<Script>,
    log: Mutex<Vec<Req>>,
}

impl Srv {
    pub fn hits(&self, path: &str) -> usize {
        self.log
            .lock()
            .expect("log")
            .iter()
            .filter(|r| r.path == path)
            .count()
    }
    pub fn requests(&self, path: &str) -> Vec<Req> {
        self.log
            .lock()
            .expect("log")
            .iter()
            .filter(|r| r.path == path)
            .cloned()
            .collect()
    }
}

async fn handle(
    State(srv): State<Arc<Srv>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let req = Req {
        method: method.to_string(),
        path: uri.path().to_owned(),
        query: uri.query().unwrap_or("").to_owned(),
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    };
    let n = {
        let mut log = srv.log.lock().expect("log");
        let n = log.iter().filter(|r| r.path == req.path).count();
        log.push(req.clone());
        n
    };
    let reply = (srv.script)(&req, n);
    if !reply.delay.is_zero() {
        tokio::time::sleep(reply.delay).await;
    }
    let mut b = Response::builder().status(StatusCode::from_u16(reply.status).expect("status"));
    for (k, v) in reply.headers {
        b = b.header(k, v);
    }
    b.body(Body::from(reply.body)).expect("response")
}

pub async fn serve(
    script: impl Fn(&Req, usize) -> Reply + Send + Sync + 'static,
) -> (String, Arc<Srv>) {
    let srv = Arc::new(Srv {
        script: Box::new(script),
        log: Mutex::new(Vec::new()),
    });
    let app = Router::new().fallback(handle).with_state(srv.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}"), srv)
}
