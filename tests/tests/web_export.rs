//! Issue 24 item 5, in a real browser: "Download CSV" saves a file named for what it
//! holds, that a spreadsheet opens cleanly: a byte-order mark first (accented names read
//! right) and times to the second.

use e2e::TestApp;
use e2e::browser::Browser;
use e2e::web::partner_on_dashboard;

#[tokio::test]
async fn the_download_is_named_for_its_tab_and_opens_cleanly_in_a_spreadsheet() {
    let app = TestApp::spawn().await;
    let b = Browser::start().await;
    let token = partner_on_dashboard(&app, &b).await;
    app.create_client(&token, "Café Zoë", "Zoë", "zoe@cafe.example")
        .await;
    app.invite(&token, "ines@invited.example", None).await;
    b.wait_for_cell("zoe@cafe.example", "Status", "Trial").await;
    b.click("Download CSV").await;
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let bytes = b.downloaded(&format!("clients-all-{today}.csv")).await;
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "UTF-8 with a byte-order mark");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let lines: Vec<&str> = text.split("\r\n").collect();
    assert!(lines[0].contains("invited at (UTC)"), "{}", lines[0]);
    let zoe = lines
        .iter()
        .find(|l| l.contains("zoe@cafe.example"))
        .expect("Zoë's row");
    assert!(zoe.contains("Café Zoë"), "{zoe}");
    // `2026-12-06 14:03:09`: a date and a time to the second, nothing finer.
    let invited_at = zoe.split(',').nth(6).unwrap();
    assert!(
        chrono::NaiveDateTime::parse_from_str(invited_at, "%Y-%m-%d %H:%M:%S").is_ok(),
        "{invited_at}"
    );
    b.assert_no_console_errors().await;
}
