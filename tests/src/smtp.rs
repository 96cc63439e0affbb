//! A real SMTP server inside the test process (production and scale-out modes), keeping
//! what it accepts and answering as a test tells it to.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

/// What the test SMTP server answers at the end of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpAnswer {
    Accept,
    /// 451: try again later.
    Temporary,
    /// 554: never.
    Permanent,
}

#[derive(Debug)]
struct SmtpState {
    messages: Vec<String>,
    answer: SmtpAnswer,
    refused: u64,
}

/// A real SMTP server (mailin-embedded) on a loopback port, keeping what it accepts.
#[derive(Clone, Debug)]
pub struct SmtpServer {
    pub addr: SocketAddr,
    state: Arc<Mutex<SmtpState>>,
}

#[derive(Clone)]
struct SmtpHandler {
    state: Arc<Mutex<SmtpState>>,
    data: Vec<u8>,
}

impl mailin_embedded::Handler for SmtpHandler {
    /// Refusals come at RCPT, as a busy or strict server would answer.
    fn rcpt(&mut self, _to: &str) -> mailin_embedded::Response {
        let mut st = self.state.lock().unwrap();
        match st.answer {
            SmtpAnswer::Accept => mailin_embedded::response::OK,
            SmtpAnswer::Temporary => {
                st.refused += 1;
                mailin_embedded::Response::custom(451, "4.3.0 try again later".into())
            }
            SmtpAnswer::Permanent => {
                st.refused += 1;
                mailin_embedded::Response::custom(550, "5.7.1 delivery not authorized".into())
            }
        }
    }

    fn data_start(
        &mut self,
        _domain: &str,
        _from: &str,
        _is8bit: bool,
        _to: &[String],
    ) -> mailin_embedded::Response {
        self.data.clear();
        mailin_embedded::response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> mailin_embedded::Response {
        let raw = String::from_utf8_lossy(&std::mem::take(&mut self.data)).into_owned();
        self.state.lock().unwrap().messages.push(raw);
        mailin_embedded::response::OK
    }
}

impl SmtpServer {
    pub fn start() -> SmtpServer {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind SMTP port");
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(Mutex::new(SmtpState {
            messages: Vec::new(),
            answer: SmtpAnswer::Accept,
            refused: 0,
        }));
        let mut server = mailin_embedded::Server::new(SmtpHandler {
            state: state.clone(),
            data: Vec::new(),
        });
        // One thread per connection: more than two workers' SMTP pools (2 × 16).
        server
            .with_name("smtp.test")
            .with_num_threads(64)
            .with_tcp_listener(listener);
        std::thread::spawn(move || {
            let _ = server.serve();
        });
        SmtpServer { addr, state }
    }

    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    /// Every message accepted so far, as received.
    pub fn raw_messages(&self) -> Vec<String> {
        self.state.lock().unwrap().messages.clone()
    }

    pub fn answer(&self, answer: SmtpAnswer) {
        self.state.lock().unwrap().answer = answer;
    }

    /// Messages refused so far (4xx or 5xx).
    pub fn refused(&self) -> u64 {
        self.state.lock().unwrap().refused
    }

    pub fn clear(&self) {
        self.state.lock().unwrap().messages.clear();
    }
}
