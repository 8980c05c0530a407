//! The browser sign-in's loopback listener: a client that connects and says
//! nothing delays nobody, and `http://localhost:{port}` reaches the listener
//! whichever loopback address `localhost` means (127.0.0.1 or ::1).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::graph_support;

use std::time::Duration;

use graph_support::{sim_config, Env};
use scimwatch_core::AuthMode;
use scimwatch_engine::graph::auth::{sign_in_browser, LoopbackListener};
use scimwatch_engine::graph::GraphTarget;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The redirect's port, read from the authorize URL's `redirect_uri`.
fn redirect_port(authorize: &str) -> u16 {
    let u = url::Url::parse(authorize).unwrap();
    let redirect = u
        .query_pairs()
        .find(|(k, _)| k == "redirect_uri")
        .unwrap()
        .1
        .to_string();
    let r = url::Url::parse(&redirect).unwrap();
    assert_eq!(r.host_str(), Some("localhost"), "{redirect}");
    r.port().unwrap()
}

/// Consent in the simulated tenant and return where it redirects to
/// (`http://localhost:{port}/?code=…&state=…`), without following it.
async fn consent(authorize: &str) -> url::Url {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = http
        .get(authorize)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let marker = "id=\"accept\" href=\"";
    let start = page.find(marker).expect("accept link") + marker.len();
    let end = start + page[start..].find('"').unwrap();
    let accept = page[start..end].replace("&amp;", "&");
    let resp = http.get(&accept).send().await.unwrap();
    assert!(resp.status().is_redirection(), "{}", resp.status());
    let location = resp.headers()["location"].to_str().unwrap().to_string();
    url::Url::parse(&location).unwrap()
}

/// Send the redirect by hand to one loopback address, as a browser would.
async fn deliver(redirect: &url::Url, addr: std::net::SocketAddr) -> String {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let target = format!("{}?{}", redirect.path(), redirect.query().unwrap_or(""));
    s.write_all(
        format!(
            "GET {target} HTTP/1.1\r\nHost: localhost:{}\r\n\r\n",
            addr.port()
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).await.unwrap();
    answer
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_connection_does_not_block_the_real_redirect() {
    let env = Env::start(sim_config(), AuthMode::Delegated).await;
    let client = env.client();
    let target = GraphTarget::from_row(&env.row).unwrap();
    let opener = |url: &str| {
        let url = url.to_string();
        tokio::spawn(async move {
            let port = redirect_port(&url);
            // Connect first and say nothing, holding the connection open.
            let idle = tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .unwrap();
            tokio::time::sleep(Duration::from_millis(300)).await;
            let redirect = consent(&url).await;
            let answer = deliver(&redirect, ([127, 0, 0, 1], port).into()).await;
            assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
            tokio::time::sleep(Duration::from_secs(30)).await;
            drop(idle);
        });
    };
    let out = tokio::time::timeout(
        Duration::from_secs(20),
        sign_in_browser(
            client.http(),
            &client.options().http,
            &target,
            env.engine.secrets.as_ref(),
            opener,
            Duration::from_secs(15),
        ),
    )
    .await
    .expect("the idle connection held up the sign-in")
    .unwrap();
    assert!(out.refresh_token_stored);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn localhost_reaches_the_listener_on_ipv6_loopback_too() {
    // Only meaningful where this machine has an IPv6 loopback.
    let has_v6 = std::net::TcpListener::bind("[::1]:0").is_ok();
    let env = Env::start(sim_config(), AuthMode::Delegated).await;
    let client = env.client();
    let target = GraphTarget::from_row(&env.row).unwrap();
    let opener = move |url: &str| {
        let url = url.to_string();
        tokio::spawn(async move {
            let port = redirect_port(&url);
            let redirect = consent(&url).await;
            let addr: std::net::SocketAddr = if has_v6 {
                (std::net::Ipv6Addr::LOCALHOST, port).into()
            } else {
                ([127, 0, 0, 1], port).into()
            };
            let answer = deliver(&redirect, addr).await;
            assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        });
    };
    let out = tokio::time::timeout(
        Duration::from_secs(20),
        sign_in_browser(
            client.http(),
            &client.options().http,
            &target,
            env.engine.secrets.as_ref(),
            opener,
            Duration::from_secs(15),
        ),
    )
    .await
    .expect("the redirect to ::1 never reached the listener")
    .unwrap();
    assert!(out.refresh_token_stored);
}

#[tokio::test]
async fn every_address_localhost_resolves_to_is_listened_on() {
    let l = LoopbackListener::bind().await.unwrap();
    assert_eq!(l.redirect_uri(), format!("http://localhost:{}", l.port()));
    let bound = l.addrs();
    assert!(bound
        .iter()
        .all(|a| a.ip().is_loopback() && a.port() == l.port()));
    for addr in tokio::net::lookup_host(("localhost", l.port()))
        .await
        .unwrap()
    {
        assert!(bound.contains(&addr), "{addr} not in {bound:?}");
    }
    if std::net::TcpListener::bind("[::1]:0").is_ok() {
        assert!(bound.iter().any(|a| a.is_ipv6()), "{bound:?}");
    }
    assert!(bound.iter().any(|a| a.is_ipv4()), "{bound:?}");
}
