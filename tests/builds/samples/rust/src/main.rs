use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;

fn main() {
    let port = std::env::var("PORT").unwrap_or_else(|_| "8080".to_string());
    let listener = TcpListener::bind(format!("0.0.0.0:{port}")).expect("the port is free");
    for stream in listener.incoming().flatten() {
        let mut reader = BufReader::new(&stream);
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).is_err() {
            continue;
        }
        // The headers are read and dropped: the answer depends on the path alone.
        let mut header = String::new();
        while reader.read_line(&mut header).map(|read| read > 2).unwrap_or(false) {
            header.clear();
        }
        let path = request_line.split_whitespace().nth(1).unwrap_or("/");
        let body = if path == "/health" { "ok\n" } else { "{{MARKER}}\n" };
        let answer = format!("HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{}", body.len(), body);
        let _ = (&stream).write_all(answer.as_bytes());
    }
}
