//! The JSONPath subset of client-go's `util/jsonpath` that CRD printer columns use, evaluated as
//! kube-apiserver does with `AllowMissingKeys(true)`: fields (`.a.b`, `['a.b']`, `\.` escapes),
//! `*`, `..` recursive descent, indexes and slices (`[0]`, `[-1]`, `[1:3]`, `[::2]`, `[*]`),
//! unions (`[0,2]`) and filters (`[?(@.type=="Ready")]`, `[?(@.x)]`).
//!
//! Missing keys yield no result; type errors (indexing a map, an index out of range, comparing
//! a string with a number) make the whole evaluation fail, which the table shows as an empty
//! cell like kube does.

use std::borrow::Cow;
use std::cmp::Ordering;

use serde_json::Value;

/// A parsed JSONPath expression.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct JsonPath(Vec<Node>);

/// Why a path did not parse.
pub(crate) type ParseError = String;

impl JsonPath {
    /// Parses the text kube wraps in `{...}` for a printer column.
    pub(crate) fn parse(path: &str) -> Result<Self, ParseError> {
        Parser::new(path).list().map(JsonPath)
    }

    /// Every value the path selects in `root`, in order; `None` when evaluation fails.
    pub(crate) fn find<'a>(&self, root: &'a Value) -> Option<Vec<Cow<'a, Value>>> {
        eval(&self.0, vec![Cow::Borrowed(root)]).ok()
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Node {
    /// `.name`; the empty name is the current value (`.`).
    Field(String),
    /// `.*`
    Wildcard,
    /// `..`
    Recursive,
    /// `[start:end:step]`; a single index `[i]` is `[i:i+1]` with a derived end.
    Slice {
        start: Option<i64>,
        end: Option<i64>,
        derived_end: bool,
        step: Option<i64>,
    },
    /// `[a,b]`
    Union(Vec<Vec<Node>>),
    /// `[?(left op right)]`, or `[?(left)]` for existence.
    Filter {
        left: Vec<Node>,
        op: Option<Op>,
        right: Vec<Node>,
    },
    /// A literal operand of a filter.
    Literal(Value),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

struct Parser<'s> {
    text: &'s str,
    pos: usize,
}

fn is_terminator(c: char) -> bool {
    matches!(c, ' ' | '.' | ',' | '[' | ']' | '$' | '@' | '{' | '}')
}

fn is_alphanumeric(c: char) -> bool {
    c == '_' || c.is_alphabetic() || c.is_numeric()
}

impl<'s> Parser<'s> {
    fn new(text: &'s str) -> Self {
        Parser { text, pos: 0 }
    }

    fn rest(&self) -> &'s str {
        &self.text[self.pos..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    /// A sequence of nodes up to the end of the text (client-go's `parseInsideAction` loop).
    fn list(&mut self) -> Result<Vec<Node>, ParseError> {
        let mut nodes = Vec::new();
        loop {
            let rest = self.rest();
            if rest.starts_with("[?(") {
                nodes.push(self.filter()?);
                continue;
            }
            if rest.starts_with("..") {
                if nodes.last() == Some(&Node::Recursive) {
                    return Err("invalid multiple recursive descent".to_owned());
                }
                self.pos += 2;
                nodes.push(Node::Recursive);
                if self.peek().is_some_and(is_alphanumeric) {
                    nodes.push(self.field());
                }
                continue;
            }
            let Some(c) = self.bump() else {
                return Ok(nodes);
            };
            match c {
                ' ' | '@' | '$' => {}
                '[' => nodes.push(self.array()?),
                '"' | '\'' => nodes.push(self.quoted(c)?),
                '.' => nodes.push(self.field()),
                '+' | '-' | '0'..='9' => {
                    self.pos -= 1;
                    nodes.push(self.number()?);
                }
                c if is_alphanumeric(c) => {
                    self.pos -= c.len_utf8();
                    let start = self.pos;
                    while self.peek().is_some_and(is_alphanumeric) {
                        self.bump();
                    }
                    match &self.text[start..self.pos] {
                        "true" => nodes.push(Node::Literal(Value::Bool(true))),
                        "false" => nodes.push(Node::Literal(Value::Bool(false))),
                        other => return Err(format!("unrecognized identifier {other}")),
                    }
                }
                c => return Err(format!("unrecognized character in action: {c:?}")),
            }
        }
    }

    /// A field name after `.` or `..`, up to a terminator; `\` escapes the next character.
    fn field(&mut self) -> Node {
        let mut name = String::new();
        while let Some(c) = self.peek() {
            if c == '\\' {
                self.bump();
                if let Some(escaped) = self.bump() {
                    name.push(escaped);
                }
            } else if is_terminator(c) {
                break;
            } else {
                name.push(c);
                self.bump();
            }
        }
        if name == "*" {
            Node::Wildcard
        } else {
            Node::Field(name)
        }
    }

    fn number(&mut self) -> Result<Node, ParseError> {
        let start = self.pos;
        if matches!(self.peek(), Some('+' | '-')) {
            self.bump();
        }
        while self.peek().is_some_and(|c| c == '.' || c.is_ascii_digit()) {
            self.bump();
        }
        let text = &self.text[start..self.pos];
        if let Ok(int) = text.parse::<i64>() {
            return Ok(Node::Literal(Value::from(int)));
        }
        text.parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(|n| Node::Literal(Value::Number(n)))
            .ok_or_else(|| format!("cannot parse number {text}"))
    }

    fn quoted(&mut self, quote: char) -> Result<Node, ParseError> {
        let mut text = String::new();
        loop {
            match self.bump() {
                None | Some('\n') => return Err("unterminated quoted string".to_owned()),
                Some('\\') => match self.bump() {
                    Some('n') => text.push('\n'),
                    Some('t') => text.push('\t'),
                    Some('r') => text.push('\r'),
                    Some(c) => text.push(c),
                    None => return Err("unterminated quoted string".to_owned()),
                },
                Some(c) if c == quote => return Ok(Node::Literal(Value::String(text))),
                Some(c) => text.push(c),
            }
        }
    }

    /// `[...]` after its `[`: an index, a slice, a quoted key or a union.
    fn array(&mut self) -> Result<Node, ParseError> {
        let Some(len) = self.rest().find(']') else {
            return Err("unterminated array".to_owned());
        };
        let inner = &self.rest()[..len];
        self.pos += len + 1;
        let inner = if inner == "*" { ":" } else { inner };
        if inner.contains(',') {
            let parts = inner
                .split(',')
                .map(|part| Parser::new(&format!("[{}]", part.trim_matches(' '))).list())
                .collect::<Result<Vec<_>, _>>()?;
            return Ok(Node::Union(parts));
        }
        if let Some(key) = inner
            .strip_prefix('\'')
            .and_then(|k| k.strip_suffix('\''))
            .filter(|k| !k.contains('\''))
        {
            return Ok(Node::Field(key.to_owned()));
        }
        slice(inner).ok_or_else(|| format!("invalid array index {inner}"))
    }

    /// `[?(...)]` at the current position.
    fn filter(&mut self) -> Result<Node, ParseError> {
        self.pos += 3;
        let start = self.pos;
        let (mut begun, mut ended) = (false, false);
        let mut pair = '"';
        let mut previous = '\0';
        loop {
            let Some(c) = self.bump() else {
                return Err("unterminated filter".to_owned());
            };
            match c {
                '\n' => return Err("unterminated filter".to_owned()),
                '"' | '\'' if !begun => {
                    begun = true;
                    pair = c;
                }
                c if c == pair && begun && previous != '\\' => ended = true,
                ')' if begun == ended => break,
                _ => {}
            }
            previous = c;
        }
        let text = &self.text[start..self.pos - 1];
        if self.bump() != Some(']') {
            return Err("unclosed array expect ]".to_owned());
        }
        let is_op = |c: char| matches!(c, '!' | '<' | '>' | '=');
        let split = text.find(is_op).filter(|&i| i > 0).and_then(|i| {
            let op_len = text[i..].find(|c: char| !is_op(c))?;
            Some((&text[..i], &text[i..i + op_len], &text[i + op_len..]))
        });
        let Some((left, op, right)) = split else {
            return Ok(Node::Filter {
                left: Parser::new(text).list()?,
                op: None,
                right: Vec::new(),
            });
        };
        let op = match op {
            "==" => Op::Eq,
            "!=" => Op::Ne,
            "<" => Op::Lt,
            "<=" => Op::Le,
            ">" => Op::Gt,
            ">=" => Op::Ge,
            other => return Err(format!("unrecognized filter operator {other}")),
        };
        Ok(Node::Filter {
            left: Parser::new(left).list()?,
            op: Some(op),
            right: Parser::new(right).list()?,
        })
    }
}

/// client-go's `^(-?[\d]*)(:-?[\d]*)?(:-?[\d]*)?$` with its defaults.
fn slice(text: &str) -> Option<Node> {
    let mut parts = text.split(':');
    let number = |part: &str| -> Option<Option<i64>> {
        let digits = part.strip_prefix('-').unwrap_or(part);
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        if digits.is_empty() {
            // "-" alone does not parse as a number in client-go either.
            return if part.is_empty() { Some(None) } else { None };
        }
        part.parse().ok().map(Some)
    };
    let start = number(parts.next()?)?;
    let (end, derived_end) = match parts.next() {
        None => (Some(start.unwrap_or(0) + 1), true),
        Some(part) => (number(part)?, false),
    };
    let step = match parts.next() {
        None => None,
        Some(part) => number(part)?,
    };
    if parts.next().is_some() {
        return None;
    }
    Some(Node::Slice {
        start,
        end,
        derived_end,
        step,
    })
}

type Values<'a> = Vec<Cow<'a, Value>>;

fn eval<'a>(nodes: &[Node], mut values: Values<'a>) -> Result<Values<'a>, ()> {
    for node in nodes {
        values = step(node, values)?;
    }
    Ok(values)
}

/// Children of a map (sorted by key, where Go's order is unspecified) or an array.
fn children<'a>(value: &Cow<'a, Value>) -> Values<'a> {
    match value {
        Cow::Borrowed(Value::Object(map)) => map_values(map).map(Cow::Borrowed).collect(),
        Cow::Borrowed(Value::Array(items)) => items.iter().map(Cow::Borrowed).collect(),
        Cow::Owned(Value::Object(map)) => map_values(map).cloned().map(Cow::Owned).collect(),
        Cow::Owned(Value::Array(items)) => items.iter().cloned().map(Cow::Owned).collect(),
        _ => Vec::new(),
    }
}

fn map_values(map: &serde_json::Map<String, Value>) -> impl Iterator<Item = &Value> {
    let mut entries: Vec<(&String, &Value)> = map.iter().collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    entries.into_iter().map(|(_, value)| value)
}

fn step<'a>(node: &Node, input: Values<'a>) -> Result<Values<'a>, ()> {
    let mut out = Vec::new();
    match node {
        Node::Field(name) if name.is_empty() => return Ok(input),
        Node::Field(name) => {
            for value in input {
                let found = match value {
                    Cow::Borrowed(v) => v.get(name).map(Cow::Borrowed),
                    Cow::Owned(v) => v.get(name).cloned().map(Cow::Owned),
                };
                // A present null is a result (Go's MapIndex finds it); later steps skip it.
                out.extend(found);
            }
        }
        Node::Wildcard => {
            for value in &input {
                out.extend(children(value));
            }
        }
        Node::Recursive => recursive(input, &mut out),
        Node::Slice {
            start,
            end,
            derived_end,
            step,
        } => {
            for value in input {
                if value.is_null() {
                    continue;
                }
                let len = value.as_array().ok_or(())?.len() as i64;
                let mut from = start.unwrap_or(0);
                if from < 0 {
                    from += len;
                }
                let mut to = end.unwrap_or(len);
                if to < 0 || (to == 0 && *derived_end) {
                    to += len;
                }
                if from == to {
                    return Ok(out);
                }
                if from >= len || from < 0 || to > len || to < 0 || from > to {
                    return Err(());
                }
                let stride = match step {
                    Some(s) if *s <= 0 => return Err(()),
                    Some(s) => *s as usize,
                    None => 1,
                };
                let items = children(&value);
                out.extend(
                    items
                        .into_iter()
                        .skip(from as usize)
                        .take((to - from) as usize)
                        .step_by(stride),
                );
            }
        }
        Node::Union(parts) => {
            for part in parts {
                out.extend(eval(part, input.clone())?);
            }
        }
        Node::Filter { left, op, right } => {
            for value in input {
                if !value.is_array() {
                    return Err(());
                }
                for item in children(&value) {
                    let lefts = eval(left, vec![item.clone()]);
                    let Some(op) = op else {
                        if lefts.is_ok_and(|l| !l.is_empty()) {
                            out.push(item);
                        }
                        continue;
                    };
                    let lefts = lefts?;
                    let l = match lefts.as_slice() {
                        [] => continue,
                        [one] => one,
                        _ => return Err(()),
                    };
                    let rights = eval(right, vec![item.clone()])?;
                    let r = match rights.as_slice() {
                        [] => continue,
                        [one] => one,
                        _ => return Err(()),
                    };
                    if compare(l, r, *op)? {
                        out.push(item);
                    }
                }
            }
        }
        Node::Literal(literal) => return Ok(vec![Cow::Owned(literal.clone())]),
    }
    Ok(out)
}

fn recursive<'a>(input: Values<'a>, out: &mut Values<'a>) {
    for value in input {
        let kids = children(&value);
        if !kids.is_empty() {
            out.push(value);
            recursive(kids, out);
        }
    }
}

/// The kinds text/template compares; anything else is an error.
enum Basic<'v> {
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(&'v str),
}

fn basic(value: &Value) -> Result<Basic<'_>, ()> {
    match value {
        Value::Bool(b) => Ok(Basic::Bool(*b)),
        Value::Number(n) => match n.as_i64() {
            Some(i) => Ok(Basic::Int(i)),
            None => n.as_f64().map(Basic::Float).ok_or(()),
        },
        Value::String(s) => Ok(Basic::Str(s)),
        _ => Err(()),
    }
}

/// client-go's forked text/template `eq`, `ne`, `lt`, `le`, `gt`, `ge`.
fn compare(left: &Value, right: &Value, op: Op) -> Result<bool, ()> {
    let ordering = match (basic(left)?, basic(right)?) {
        (Basic::Bool(a), Basic::Bool(b)) => {
            return match op {
                Op::Eq => Ok(a == b),
                Op::Ne => Ok(a != b),
                _ => Err(()),
            };
        }
        (Basic::Int(a), Basic::Int(b)) => a.cmp(&b),
        (Basic::Float(a), Basic::Float(b)) => a.partial_cmp(&b).ok_or(())?,
        (Basic::Str(a), Basic::Str(b)) => a.cmp(b),
        _ => return Err(()),
    };
    Ok(match op {
        Op::Eq => ordering == Ordering::Equal,
        Op::Ne => ordering != Ordering::Equal,
        Op::Lt => ordering == Ordering::Less,
        Op::Le => ordering != Ordering::Greater,
        Op::Gt => ordering == Ordering::Greater,
        Op::Ge => ordering != Ordering::Less,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn find(path: &str, root: &Value) -> Option<Vec<Value>> {
        JsonPath::parse(path)
            .unwrap()
            .find(root)
            .map(|values| values.into_iter().map(Cow::into_owned).collect())
    }

    fn object() -> Value {
        json!({
            "metadata": {"name": "db", "labels": {"app.kubernetes.io/name": "pg", "tier": "data"}},
            "spec": {"replicas": 3, "ratio": 0.5, "paused": false, "nothing": null,
                     "containers": [{"name": "a", "image": "x:1"}, {"name": "b", "image": "y:2"}]},
            "status": {"conditions": [
                {"type": "Progressing", "status": "True", "count": 2},
                {"type": "Ready", "status": "False", "count": 7}
            ]}
        })
    }

    #[test]
    fn fields_indexes_and_slices() {
        let o = object();
        assert_eq!(find(".spec.replicas", &o), Some(vec![json!(3)]));
        assert_eq!(find(".spec.missing.deeper", &o), Some(vec![]));
        assert_eq!(find(".spec.nothing", &o), Some(vec![Value::Null]));
        assert_eq!(find(".spec.nothing.deeper", &o), Some(vec![]));
        assert_eq!(find(".spec.containers[1].name", &o), Some(vec![json!("b")]));
        assert_eq!(
            find(".spec.containers[-1].image", &o),
            Some(vec![json!("y:2")])
        );
        assert_eq!(
            find(".spec.containers[*].name", &o),
            Some(vec![json!("a"), json!("b")])
        );
        assert_eq!(
            find(".spec.containers[0:1].name", &o),
            Some(vec![json!("a")])
        );
        assert_eq!(
            find(".spec.containers[0,1].image", &o),
            Some(vec![json!("x:1"), json!("y:2")])
        );
        // Out of range and indexing a map are errors, not empty results.
        assert_eq!(find(".spec.containers[2].name", &o), None);
        assert_eq!(find(".spec[0]", &o), None);
        assert_eq!(
            find(".metadata.labels.app\\.kubernetes\\.io/name", &o),
            Some(vec![json!("pg")])
        );
        assert_eq!(
            find(".metadata.labels['app.kubernetes.io/name']", &o),
            Some(vec![json!("pg")])
        );
        assert_eq!(
            find(".metadata.labels.*", &o),
            Some(vec![json!("pg"), json!("data")])
        );
        assert_eq!(find("..image", &o), Some(vec![json!("x:1"), json!("y:2")]));
    }

    #[test]
    fn filters_compare_like_text_template() {
        let o = object();
        assert_eq!(
            find(".status.conditions[?(@.type==\"Ready\")].status", &o),
            Some(vec![json!("False")])
        );
        assert_eq!(
            find(".status.conditions[?(@.type == 'Ready')].status", &o),
            Some(vec![json!("False")])
        );
        assert_eq!(
            find(".status.conditions[?(@.count>2)].type", &o),
            Some(vec![json!("Ready")])
        );
        assert_eq!(
            find(".status.conditions[?(@.type!=\"Ready\")].type", &o),
            Some(vec![json!("Progressing")])
        );
        assert_eq!(
            find(".status.conditions[?(@.count)].type", &o).map(|v| v.len()),
            Some(2)
        );
        assert_eq!(
            find(".status.conditions[?(@.type==\"Gone\")].status", &o),
            Some(vec![])
        );
        // A string compared with a number is an error in text/template.
        assert_eq!(find(".status.conditions[?(@.count==\"7\")].type", &o), None);
        // Filtering a map is an error.
        assert_eq!(find(".spec[?(@.x==1)]", &o), None);
    }

    #[test]
    fn parse_errors() {
        for bad in [
            ".spec[",
            ".spec[abc]",
            ".spec[?(@.x==1)",
            ".a....b",
            ".a[?(@.x=~1)]",
            "#",
        ] {
            assert!(JsonPath::parse(bad).is_err(), "{bad}");
        }
    }
}
