//! Finds the code blocks of a Markdown file and the check tags (`<!-- check: ... -->`) on the
//! line right above them.

use std::fmt;

/// What a tag asks the checker to do with the block under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Tag {
    /// `<!-- check: sh -->`: run the block with bash in the sandbox, in README order.
    Sh,
    /// `<!-- check: KIND EXAMPLE/PATH [-- COMMAND] -->`: the block is the file PATH of the
    /// example EXAMPLE, which is driven as KIND; COMMAND (Python examples) starts it.
    File { kind: Kind, example: String, path: String, command: Option<String> },
}

/// How an example is driven (the contracts are in the crate docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A command-line program: prints the sign-in URL, reads the callback URL on stdin.
    Cli,
    /// A web app listening on `PORT`.
    Web,
    /// A test suite: `cargo test` (Rust) or its COMMAND (Python) must pass.
    Test,
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Cli => "cli",
            Kind::Web => "web",
            Kind::Test => "test",
        })
    }
}

/// A fenced code block.
#[derive(Debug, Clone)]
pub(crate) struct Block {
    /// 1-based line of the opening fence.
    pub(crate) line: usize,
    /// The first word of the info string (`rust` for ```` ```rust,no_run ````).
    pub(crate) lang: String,
    /// The block's text, ending with a newline.
    pub(crate) code: String,
    /// The tag on the line above the fence, if any.
    pub(crate) tag: Option<Tag>,
}

/// Languages whose blocks must be checked: a README block in one of these is code a reader
/// pastes, so an untagged one is an error.
pub(crate) const CODE_LANGS: &[&str] = &["rust", "toml", "python", "py"];

/// The code blocks of `text`, or the first malformed tag or fence.
pub(crate) fn blocks(text: &str) -> Result<Vec<Block>, String> {
    let mut blocks = Vec::new();
    let mut lines = text.lines().enumerate();
    let mut previous: Option<&str> = None;
    while let Some((index, line)) = lines.next() {
        let trimmed = line.trim_start();
        let fence_len = trimmed.chars().take_while(|&c| c == '`').count();
        if fence_len < 3 {
            previous = Some(line);
            continue;
        }
        let fence = &trimmed[..fence_len];
        let info = trimmed[fence_len..].trim();
        let lang = info.split([',', ' ']).next().unwrap_or_default().to_owned();
        let tag = match previous.map(str::trim).and_then(|p| p.strip_prefix("<!-- check:")) {
            Some(rest) => {
                let body = rest.strip_suffix("-->").ok_or(format!("line {index}: unclosed check tag"))?;
                Some(parse_tag(body.trim()).map_err(|e| format!("line {index}: {e}"))?)
            }
            None => None,
        };
        let mut code = String::new();
        let mut closed = false;
        for (_, inner) in lines.by_ref() {
            let inner_trimmed = inner.trim();
            if inner_trimmed.starts_with(fence) && inner_trimmed.trim_start_matches('`').is_empty() {
                closed = true;
                break;
            }
            code.push_str(inner);
            code.push('\n');
        }
        if !closed {
            return Err(format!("line {}: the code block is not closed", index + 1));
        }
        blocks.push(Block { line: index + 1, lang, code, tag });
        previous = None;
    }
    Ok(blocks)
}

fn parse_tag(body: &str) -> Result<Tag, String> {
    let (head, command) = match body.split_once(" -- ") {
        Some((head, command)) => (head.trim(), Some(command.trim().to_owned())),
        None => (body, None),
    };
    let words: Vec<&str> = head.split_whitespace().collect();
    match words.as_slice() {
        ["sh"] if command.is_none() => Ok(Tag::Sh),
        [kind, file] => {
            let kind = match *kind {
                "cli" => Kind::Cli,
                "web" => Kind::Web,
                "test" => Kind::Test,
                other => return Err(format!("unknown kind `{other}` (cli, web, test or sh)")),
            };
            let (example, path) = file.split_once('/').ok_or(format!("`{file}` is not EXAMPLE/PATH"))?;
            if example.is_empty() || path.is_empty() || path.split('/').any(|part| part == "..") {
                return Err(format!("`{file}` is not EXAMPLE/PATH inside the example"));
            }
            Ok(Tag::File { kind, example: example.to_owned(), path: path.to_owned(), command })
        }
        _ => Err(format!("cannot read the tag `{body}`: `sh` or `KIND EXAMPLE/PATH [-- COMMAND]`")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_attach_to_the_block_right_below() {
        let text = "text\n<!-- check: cli hello/src/main.rs -->\n```rust\nfn main() {}\n```\n\n\
                    ```rust\nuntagged\n```\n<!-- check: sh -->\n````sh\necho ```\n````\n\
                    <!-- check: web app/app.py -- flask run -->\n```python\nx = 1\n```\n";
        let blocks = blocks(text).unwrap();
        assert_eq!(blocks.len(), 4);
        assert_eq!(blocks[0].line, 3);
        assert_eq!(blocks[0].code, "fn main() {}\n");
        assert_eq!(
            blocks[0].tag,
            Some(Tag::File {
                kind: Kind::Cli,
                example: "hello".into(),
                path: "src/main.rs".into(),
                command: None
            })
        );
        assert_eq!(blocks[1].tag, None);
        assert_eq!((blocks[2].lang.as_str(), blocks[2].code.as_str()), ("sh", "echo ```\n"));
        assert_eq!(blocks[2].tag, Some(Tag::Sh));
        assert_eq!(
            blocks[3].tag,
            Some(Tag::File {
                kind: Kind::Web,
                example: "app".into(),
                path: "app.py".into(),
                command: Some("flask run".into())
            })
        );
    }

    #[test]
    fn malformed_tags_and_fences_are_errors() {
        assert!(blocks("<!-- check: cli nopath -->\n```rust\n```\n").is_err());
        assert!(blocks("<!-- check: deploy a/b -->\n```rust\n```\n").is_err());
        assert!(blocks("<!-- check: cli a/../b -->\n```rust\n```\n").is_err());
        assert!(blocks("```rust\nfn main() {}\n").is_err());
    }
}
