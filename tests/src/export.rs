//! The CSV export of the client list (`GET /export/clients.csv`), downloaded as a partner's
//! browser does and read as a spreadsheet reads it (RFC 4180).

use crate::TestApp;
use serde_json::Value;

/// An instant as the export writes it (what a spreadsheet reads as a date and time), from
/// the API's RFC 3339 `DateTime`; empty stays empty.
pub fn spreadsheet_time(rfc3339: &str) -> String {
    if rfc3339.is_empty() {
        return String::new();
    }
    let t: chrono::DateTime<chrono::Utc> = rfc3339.parse().expect("an RFC 3339 instant");
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// The columns of the export, in order: its header row.
pub const EXPORT_HEADER: [&str; 9] = [
    "id",
    "company id",
    "name",
    "email",
    "status",
    "invited via",
    "invited at (UTC)",
    "trial ends at (UTC)",
    "partner access",
];

/// One answer of `GET /export/clients.csv`.
pub struct ClientExport {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl TestApp {
    /// Downloads the export with these query parameters, as `token` (or anonymously).
    pub async fn export_clients(
        &self,
        token: Option<&str>,
        query: &[(&str, &str)],
    ) -> ClientExport {
        let mut req = self
            .http()
            .get(format!("{}/export/clients.csv", self.url))
            .query(query);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let res = req.send().await.unwrap();
        ClientExport {
            status: res.status().as_u16(),
            headers: res.headers().clone(),
            body: res.text().await.unwrap(),
        }
    }
}

impl ClientExport {
    /// The records, the header row first (an RFC 4180 reader: quoted cells, doubled
    /// quotes, CRLF between records).
    pub fn records(&self) -> Vec<Vec<String>> {
        assert!(self.body.ends_with("\r\n"), "the last line ends with CRLF");
        // A spreadsheet takes the byte-order mark as "this is UTF-8" and shows none of it.
        let body = self
            .body
            .strip_prefix('\u{feff}')
            .expect("the file starts with a byte-order mark");
        let mut records = Vec::new();
        let (mut record, mut cell) = (Vec::new(), String::new());
        let mut chars = body.chars().peekable();
        let mut quoted = false;
        while let Some(c) = chars.next() {
            match (quoted, c) {
                (true, '"') if chars.peek() == Some(&'"') => {
                    chars.next();
                    cell.push('"');
                }
                (true, '"') => quoted = false,
                (true, c) => cell.push(c),
                (false, '"') if cell.is_empty() => quoted = true,
                (false, ',') => record.push(std::mem::take(&mut cell)),
                (false, '\r') => {
                    assert_eq!(chars.next(), Some('\n'), "a bare CR ends no record");
                    record.push(std::mem::take(&mut cell));
                    records.push(std::mem::take(&mut record));
                }
                (false, '\n') => panic!("a bare LF outside quotes: {:?}", self.body),
                (false, c) => cell.push(c),
            }
        }
        assert!(!quoted && cell.is_empty() && record.is_empty());
        records
    }

    /// The file name the download is saved as.
    pub fn file_name(&self) -> String {
        let disposition = self.headers["content-disposition"].to_str().unwrap();
        disposition
            .strip_prefix("attachment; filename=\"")
            .and_then(|r| r.strip_suffix('"'))
            .unwrap_or_else(|| panic!("an attachment with a file name: {disposition}"))
            .to_owned()
    }

    /// The rows after the header row, checked to be a 200 whose header row is exactly
    /// [`EXPORT_HEADER`].
    pub fn rows(&self) -> Vec<Vec<String>> {
        assert_eq!(self.status, 200, "{}", self.body);
        let mut records = self.records();
        assert_eq!(records.remove(0), EXPORT_HEADER);
        records
    }

    /// A refused export's JSON body.
    pub fn error_body(&self) -> Value {
        serde_json::from_str(&self.body).expect("a JSON error body")
    }

    /// A refused export's error code and the parameter it blames, if any.
    pub fn error(&self) -> (String, Option<String>) {
        let body = self.error_body();
        let ext = &body["errors"][0]["extensions"];
        (
            crate::code_of(&body).to_owned(),
            ext["field"].as_str().map(str::to_owned),
        )
    }
}
