//! Just enough of Redis's wire protocol (RESP) for tests: send a command and read its reply
//! ([`command`]), and split a client's byte stream into commands ([`split_command`]) so a proxy
//! can see what an app sends.

use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A reply from Redis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// `+OK`.
    Simple(String),
    /// `-ERR ...`.
    Error(String),
    /// `:1`.
    Integer(i64),
    /// `$3\r\nabc` (`None`: the null bulk string).
    Bulk(Option<Vec<u8>>),
    /// `*2\r\n...` (`None`: the null array).
    Array(Option<Vec<Reply>>),
}

impl Reply {
    /// The text of a simple or bulk string reply.
    pub fn text(&self) -> Option<String> {
        match self {
            Self::Simple(text) => Some(text.clone()),
            Self::Bulk(Some(bytes)) => Some(String::from_utf8_lossy(bytes).into_owned()),
            _ => None,
        }
    }
}

/// Encodes a command as a RESP array of bulk strings.
pub fn encode(args: &[&[u8]]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for arg in args {
        out.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
        out.extend_from_slice(arg);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// Sends one command to the Redis server on 127.0.0.1:`port` over a new connection and returns
/// its reply (at most 5 seconds).
pub async fn command(port: u16, args: &[&[u8]]) -> Result<Reply, String> {
    let exchange = async {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).await.map_err(|e| e.to_string())?;
        stream.write_all(&encode(args)).await.map_err(|e| e.to_string())?;
        let mut buffer = Vec::new();
        let mut chunk = [0u8; 16 * 1024];
        loop {
            if let Some((reply, _)) = parse_reply(&buffer)? {
                return Ok(reply);
            }
            let read = stream.read(&mut chunk).await.map_err(|e| e.to_string())?;
            if read == 0 {
                return Err("Redis closed the connection".to_owned());
            }
            buffer.extend_from_slice(&chunk[..read]);
        }
    };
    tokio::time::timeout(Duration::from_secs(5), exchange)
        .await
        .map_err(|_| "Redis did not answer within 5 s".to_owned())?
}

/// The line at the start of `buffer` (without `\r\n`) and the length it takes with it.
fn line(buffer: &[u8]) -> Option<(&[u8], usize)> {
    let end = buffer.windows(2).position(|w| w == b"\r\n")?;
    Some((&buffer[..end], end + 2))
}

fn number(bytes: &[u8]) -> Result<i64, String> {
    std::str::from_utf8(bytes)
        .ok()
        .and_then(|text| text.parse().ok())
        .ok_or_else(|| format!("not a number in RESP: {:?}", String::from_utf8_lossy(bytes)))
}

/// Parses one reply at the start of `buffer`: `Ok(None)` while it is incomplete, else the reply
/// and how many bytes it took.
pub fn parse_reply(buffer: &[u8]) -> Result<Option<(Reply, usize)>, String> {
    let Some((head, mut used)) = line(buffer) else { return Ok(None) };
    let Some((&kind, rest)) = head.split_first() else { return Err("empty RESP line".into()) };
    let reply = match kind {
        b'+' => Reply::Simple(String::from_utf8_lossy(rest).into_owned()),
        b'-' => Reply::Error(String::from_utf8_lossy(rest).into_owned()),
        b':' => Reply::Integer(number(rest)?),
        b'$' => {
            let length = number(rest)?;
            if length < 0 {
                Reply::Bulk(None)
            } else {
                let length = length as usize;
                if buffer.len() < used + length + 2 {
                    return Ok(None);
                }
                let bytes = buffer[used..used + length].to_vec();
                used += length + 2;
                Reply::Bulk(Some(bytes))
            }
        }
        b'*' => {
            let count = number(rest)?;
            if count < 0 {
                Reply::Array(None)
            } else {
                let mut items = Vec::with_capacity(count as usize);
                for _ in 0..count {
                    let Some((item, took)) = parse_reply(&buffer[used..])? else { return Ok(None) };
                    items.push(item);
                    used += took;
                }
                Reply::Array(Some(items))
            }
        }
        other => return Err(format!("unknown RESP type {:?}", other as char)),
    };
    Ok(Some((reply, used)))
}

/// A command's arguments (the name first) and how many bytes of the stream it took.
pub type Command = (Vec<Vec<u8>>, usize);

/// Splits the first command off a client's byte stream: `Ok(None)` while it is incomplete, else
/// its arguments and how many bytes it took. Clients send commands as arrays of bulk strings;
/// anything else is an error (the caller then stops looking).
pub fn split_command(buffer: &[u8]) -> Result<Option<Command>, String> {
    match parse_reply(buffer)? {
        None => Ok(None),
        Some((Reply::Array(Some(items)), used)) => {
            let mut args = Vec::with_capacity(items.len());
            for item in items {
                match item {
                    Reply::Bulk(Some(bytes)) => args.push(bytes),
                    other => return Err(format!("a command argument that is not a bulk string: {other:?}")),
                }
            }
            Ok(Some((args, used)))
        }
        Some((other, _)) => Err(format!("not a command: {other:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_split_only_when_complete() {
        let mut stream = encode(&[b"SET", b"k", b"v\r\nalue"]);
        stream.extend(encode(&[b"GET", b"k"]));
        for cut in 0..20 {
            assert_eq!(split_command(&stream[..cut]).unwrap(), None, "cut at {cut}");
        }
        let (args, used) = split_command(&stream).unwrap().unwrap();
        assert_eq!(args, vec![b"SET".to_vec(), b"k".to_vec(), b"v\r\nalue".to_vec()]);
        let (args, rest) = split_command(&stream[used..]).unwrap().unwrap();
        assert_eq!(args, vec![b"GET".to_vec(), b"k".to_vec()]);
        assert_eq!(used + rest, stream.len());
        assert!(split_command(b"+OK\r\n").is_err());
    }

    #[test]
    fn replies() {
        assert_eq!(parse_reply(b"$-1\r\n").unwrap(), Some((Reply::Bulk(None), 5)));
        assert_eq!(parse_reply(b":12\r\n").unwrap(), Some((Reply::Integer(12), 5)));
        let (reply, _) = parse_reply(b"*2\r\n+a\r\n$1\r\nb\r\n").unwrap().unwrap();
        assert_eq!(
            reply,
            Reply::Array(Some(vec![Reply::Simple("a".into()), Reply::Bulk(Some(b"b".to_vec()))]))
        );
        assert_eq!(parse_reply(b"*2\r\n+a\r\n$1\r\n").unwrap(), None);
    }
}
