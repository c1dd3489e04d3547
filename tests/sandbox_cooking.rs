//! Cooking over real HTTP: posts written through the API come back as Discourse would cook
//! them (CommonMark, line breaks, mentions, quotes, image sizes), and hostile markup is
//! sanitized (no script, no event handlers, no `javascript:` or `data:` links).

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn reply(sb: &TestSandbox, raw: &str) -> Value {
    let topic = sb.open_unsolved_topic_with_replies().await;
    let (s, v) = sb
        .post_json(
            "/posts.json",
            "mod_anna",
            json!({"topic_id": topic["id"], "raw": raw}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // What a later read shows is what the reply answered.
    let id = v["id"].as_i64().unwrap();
    let (s, p) = sb.get(&format!("/posts/{id}.json"), Some("mod_anna")).await;
    assert_eq!(s, StatusCode::OK, "{p}");
    assert_eq!(p["cooked"], v["cooked"]);
    assert_eq!(p["raw"], raw);
    v
}

fn cooked(v: &Value) -> String {
    v["cooked"].as_str().expect("cooked").to_string()
}

#[tokio::test]
async fn markdown_is_cooked_as_discourse_cooks_it() {
    let sb = start().await;
    let v = reply(
        &sb,
        "Thanks @member_mia, try this:\nfirst line\n\n1. **Restart** the router\n2. Check `ping 1.1.1.1`\n\n\
         ```\nlog: <none>\n```\n\n> a plain quote\n\n| port | state |\n|---|---|\n| 22 | closed |\n\n\
         See [the guide](https://help.example.com/router) or https://status.example.com.\n\n\
         ![router lights|690x388](/uploads/lights.png)",
    )
    .await;
    let html = cooked(&v);
    for part in [
        "<a class=\"mention\" href=\"/u/member_mia\">@member_mia</a>",
        "try this:<br>\nfirst line",
        "<ol>\n<li><strong>Restart</strong> the router</li>",
        "<code>ping 1.1.1.1</code>",
        "<pre><code>log: &lt;none&gt;\n</code></pre>",
        "<blockquote>\n<p>a plain quote</p>\n</blockquote>",
        "<td>closed</td>",
        "<a href=\"https://help.example.com/router\">the guide</a>",
        "<a href=\"https://status.example.com\">https://status.example.com</a>.",
        "<img alt=\"router lights\" height=\"388\" src=\"/uploads/lights.png\" width=\"690\">",
    ] {
        assert!(html.contains(part), "{part}\nnot in\n{html}");
    }
}

#[tokio::test]
async fn discourse_quotes_become_asides() {
    let sb = start().await;
    let v = reply(
        &sb,
        "[quote=\"member_mia, post:1, topic:42\"]\nMy router *blinks* red.\n[/quote]\n\nThat light means the line is down.",
    )
    .await;
    let html = cooked(&v);
    assert!(
        html.starts_with("<aside class=\"quote no-group\""),
        "{html}"
    );
    for part in [
        "data-username=\"member_mia\"",
        "data-post=\"1\"",
        "data-topic=\"42\"",
        "<div class=\"title\">\n<div class=\"quote-controls\"></div>\nmember_mia:</div>",
        "<blockquote>\n<p>My router <em>blinks</em> red.</p>\n</blockquote>\n</aside>",
        "<p>That light means the line is down.</p>",
    ] {
        assert!(html.contains(part), "{part}\nnot in\n{html}");
    }
}

#[tokio::test]
async fn hostile_markup_is_sanitized() {
    let sb = start().await;
    let v = reply(
        &sb,
        "Click [here](javascript:alert(1)) or [there](data:text/html;base64,PHNjcmlwdD4=) please.\n\n\
         <script>alert('x')</script>\n\n\
         <img src=\"x.png\" onerror=\"alert(1)\">\n\n\
         <a href=\"vbscript:msgbox(1)\" onclick=\"evil()\">vb</a> <a href=\"file:///etc/passwd\">file</a>\n\n\
         <iframe src=\"https://evil.example\"></iframe><div style=\"position:fixed\" class=\"ok\">styled</div>\n\n\
         ![pic](javascript:alert(2))",
    )
    .await;
    let html = cooked(&v).to_lowercase();
    for bad in [
        "javascript:",
        "data:",
        "vbscript:",
        "file:",
        "<script",
        "alert('x')",
        "onerror",
        "onclick",
        "<iframe",
        "style=",
    ] {
        assert!(!html.contains(bad), "{bad} survived in\n{html}");
    }
    // The text of a refused link stays.
    for text in [
        "click here or there please.",
        "<p>vb file</p>",
        "styled",
        "<p>pic</p>",
    ] {
        assert!(html.contains(text), "{text} lost from\n{html}");
    }
    assert!(html.contains("<img src=\"x.png\">"), "{html}");
}

#[tokio::test]
async fn edits_are_cooked_the_same_way() {
    let sb = start().await;
    let v = reply(&sb, "The first version of this reply is long enough.").await;
    let id = v["id"].as_i64().unwrap();
    let (s, e) = sb
        .put_json(
            &format!("/posts/{id}.json"),
            "mod_anna",
            json!({"post": {"raw": "Now with **bold** and <b onmouseover=\"x()\">raw</b> html."}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{e}");
    let html = e["post"]["cooked"].as_str().unwrap();
    assert_eq!(
        html,
        "<p>Now with <strong>bold</strong> and <b>raw</b> html.</p>"
    );
}
