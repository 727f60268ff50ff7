//! Label selectors: kube's string syntax (`k8s.io/apimachinery/pkg/labels`, v1.32), parsed by a
//! mirror of kube's lexer and parser so that every rejection carries kube's message, and
//! `metav1.LabelSelector` objects converted as `LabelSelectorAsSelector` does.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

use k8s_openapi::apimachinery::pkg::apis::meta::v1 as metav1;
use serde_json::{Map, Value};

use super::validation::{label_key_errors, label_value_errors};
use super::{SelectorError, go_quote};

/// How a [`Requirement`] relates a label to its values (kube's `selection.Operator`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Operator {
    /// `key in (v1, v2)`: the label is set to one of the values.
    In,
    /// `key notin (v1, v2)`: the label is unset or set to none of the values.
    NotIn,
    /// `key=v`: the label is set to the value.
    Equals,
    /// `key==v`: the same as [`Operator::Equals`], printed as `==`.
    DoubleEquals,
    /// `key!=v`: the label is unset or set to another value.
    NotEquals,
    /// `key`: the label is set, to anything.
    Exists,
    /// `!key`: the label is unset.
    DoesNotExist,
    /// `key>n`: the label is set to an integer greater than `n`.
    GreaterThan,
    /// `key<n`: the label is set to an integer less than `n`.
    LessThan,
}

/// One condition on one label key, e.g. `tier in (backend,cache)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Requirement {
    key: String,
    operator: Operator,
    values: Vec<String>,
}

/// A parsed label selector: requirements that must all hold, sorted by key; or "nothing", which
/// matches no object (a `null` `metav1.LabelSelector`).
///
/// The default and the empty string select everything. `Display` prints kube's canonical form
/// (`String()`): requirements sorted by key, the values of `in`/`notin` sorted; "nothing" prints
/// as the empty string, as in kube.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LabelSelector {
    /// `None` for "nothing".
    requirements: Option<Vec<Requirement>>,
}

impl Operator {
    /// kube's name of the operator: `in`, `notin`, `=`, `==`, `!=`, `exists`, `!`, `gt`, `lt`.
    pub fn as_str(self) -> &'static str {
        match self {
            Operator::In => "in",
            Operator::NotIn => "notin",
            Operator::Equals => "=",
            Operator::DoubleEquals => "==",
            Operator::NotEquals => "!=",
            Operator::Exists => "exists",
            Operator::DoesNotExist => "!",
            Operator::GreaterThan => "gt",
            Operator::LessThan => "lt",
        }
    }
}

impl Requirement {
    /// A requirement, validated like kube's `labels.NewRequirement`: the key must be a valid
    /// label key and every value a valid label value; `in`/`notin` need at least one value, the
    /// equality operators exactly one, `exists`/`!` none, `gt`/`lt` one integer.
    pub fn new(
        key: impl Into<String>,
        operator: Operator,
        values: Vec<String>,
    ) -> Result<Self, SelectorError> {
        new_requirement(key.into(), operator, values).map_err(SelectorError::InvalidLabelSelector)
    }

    /// The label key.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The operator.
    pub fn operator(&self) -> Operator {
        self.operator
    }

    /// The values, in the order given (sorted and without duplicates when parsed from a string).
    pub fn values(&self) -> &[String] {
        &self.values
    }

    /// Whether a label set, seen through `lookup` (the value of a key, `None` when unset),
    /// satisfies the requirement.
    pub fn matches_lookup<'a>(&self, lookup: impl Fn(&str) -> Option<&'a str>) -> bool {
        let has = |value: &str| self.values.iter().any(|candidate| candidate == value);
        match self.operator {
            Operator::In | Operator::Equals | Operator::DoubleEquals => {
                lookup(&self.key).is_some_and(has)
            }
            Operator::NotIn | Operator::NotEquals => !lookup(&self.key).is_some_and(has),
            Operator::Exists => lookup(&self.key).is_some(),
            Operator::DoesNotExist => lookup(&self.key).is_none(),
            Operator::GreaterThan | Operator::LessThan => {
                let Some(Ok(actual)) = lookup(&self.key).map(str::parse::<i64>) else {
                    return false;
                };
                let [bound] = self.values.as_slice() else {
                    return false;
                };
                let Ok(bound) = bound.parse::<i64>() else {
                    return false;
                };
                if self.operator == Operator::GreaterThan {
                    actual > bound
                } else {
                    actual < bound
                }
            }
        }
    }
}

impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.operator == Operator::DoesNotExist {
            f.write_str("!")?;
        }
        f.write_str(&self.key)?;
        let (op, parenthesised) = match self.operator {
            Operator::Exists | Operator::DoesNotExist => return Ok(()),
            Operator::Equals => ("=", false),
            Operator::DoubleEquals => ("==", false),
            Operator::NotEquals => ("!=", false),
            Operator::In => (" in ", true),
            Operator::NotIn => (" notin ", true),
            Operator::GreaterThan => (">", false),
            Operator::LessThan => ("<", false),
        };
        f.write_str(op)?;
        if parenthesised {
            f.write_str("(")?;
        }
        let mut values: Vec<&str> = self.values.iter().map(String::as_str).collect();
        values.sort_unstable();
        f.write_str(&values.join(","))?;
        if parenthesised {
            f.write_str(")")?;
        }
        Ok(())
    }
}

impl LabelSelector {
    /// The selector that matches every object (kube's `labels.Everything()`).
    pub fn everything() -> Self {
        Self {
            requirements: Some(Vec::new()),
        }
    }

    /// The selector that matches no object (kube's `labels.Nothing()`).
    pub fn nothing() -> Self {
        Self { requirements: None }
    }

    /// Parses the `labelSelector` string syntax, as kube's `labels.Parse`:
    /// `a=b`, `a==b`, `a!=b`, `a in (x, y)`, `a notin (x)`, `a`, `!a`, `a>1`, `a<1`, joined by
    /// commas, with spaces, tabs and newlines allowed between tokens. The empty string selects
    /// everything. Errors carry kube's message, e.g.
    /// `unable to parse requirement: found '(', expected: identifier` for `a=(b`.
    pub fn parse(selector: &str) -> Result<Self, SelectorError> {
        let mut parser = Parser::new(selector);
        let mut requirements = parser
            .parse()
            .map_err(SelectorError::InvalidLabelSelector)?;
        requirements.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(Self {
            requirements: Some(requirements),
        })
    }

    /// Converts a `metav1.LabelSelector` as JSON (`matchLabels`, `matchExpressions` with the
    /// operators `In`, `NotIn`, `Exists`, `DoesNotExist`), as kube's `LabelSelectorAsSelector`:
    /// `null` selects nothing, while `{}` (no labels and no expressions) selects everything.
    /// Errors carry kube's message, e.g. `"Foo" is not a valid label selector operator` or
    /// `values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be
    /// empty`. A value of the wrong JSON shape is rejected with a decoding message.
    pub fn from_label_selector_json(selector: &Value) -> Result<Self, SelectorError> {
        let object = match selector {
            Value::Null => return Ok(Self::nothing()),
            Value::Object(object) => object,
            other => {
                return Err(decode_error(other, "v1.LabelSelector"));
            }
        };
        let match_labels = match object.get("matchLabels") {
            None | Some(Value::Null) => BTreeMap::new(),
            Some(Value::Object(labels)) => {
                let mut sorted = BTreeMap::new();
                for (key, value) in labels {
                    let Value::String(value) = value else {
                        return Err(decode_error(
                            value,
                            "Go struct field LabelSelector.matchLabels of type string",
                        ));
                    };
                    sorted.insert(key.as_str(), value.as_str());
                }
                sorted
            }
            Some(other) => {
                return Err(decode_error(
                    other,
                    "Go struct field LabelSelector.matchLabels of type map[string]string",
                ));
            }
        };
        let match_expressions: &[Value] = match object.get("matchExpressions") {
            None | Some(Value::Null) => &[],
            Some(Value::Array(expressions)) => expressions,
            Some(other) => {
                return Err(decode_error(
                    other,
                    "Go struct field LabelSelector.matchExpressions of type \
                     []v1.LabelSelectorRequirement",
                ));
            }
        };
        if match_labels.is_empty() && match_expressions.is_empty() {
            return Ok(Self::everything());
        }
        let mut requirements = Vec::with_capacity(match_labels.len() + match_expressions.len());
        for (key, value) in match_labels {
            requirements.push(Requirement::new(
                key,
                Operator::Equals,
                vec![value.to_owned()],
            )?);
        }
        for expression in match_expressions {
            let (key, operator, values) = decode_expression(expression)?;
            let operator = match operator.as_str() {
                "In" => Operator::In,
                "NotIn" => Operator::NotIn,
                "Exists" => Operator::Exists,
                "DoesNotExist" => Operator::DoesNotExist,
                other => {
                    return Err(SelectorError::InvalidLabelSelector(format!(
                        "{} is not a valid label selector operator",
                        go_quote(other)
                    )));
                }
            };
            requirements.push(Requirement::new(key, operator, values)?);
        }
        Ok(Self::from_requirements(requirements))
    }

    /// A selector of `requirements`, sorted by key (kube's `Selector.Add`).
    pub fn from_requirements(mut requirements: Vec<Requirement>) -> Self {
        requirements.sort_by(|a, b| a.key.cmp(&b.key));
        Self {
            requirements: Some(requirements),
        }
    }

    /// Whether the selector does not restrict anything (kube's `Empty()`); false for "nothing".
    pub fn is_empty(&self) -> bool {
        self.requirements.as_ref().is_some_and(Vec::is_empty)
    }

    /// Whether this is the selector that matches no object.
    pub fn matches_nothing(&self) -> bool {
        self.requirements.is_none()
    }

    /// The requirements, sorted by key; `None` for the selector that matches nothing.
    pub fn requirements(&self) -> Option<&[Requirement]> {
        self.requirements.as_deref()
    }

    /// Whether `labels` (an object's `metadata.labels`) satisfy every requirement. Values that
    /// are not strings count as unset.
    pub fn matches(&self, labels: &Map<String, Value>) -> bool {
        self.matches_lookup(|key| labels.get(key).and_then(Value::as_str))
    }

    /// Whether `labels` satisfy every requirement.
    pub fn matches_map(&self, labels: &BTreeMap<String, String>) -> bool {
        self.matches_lookup(|key| labels.get(key).map(String::as_str))
    }

    /// Whether the labels of `object` (its `metadata.labels`; absent means none) satisfy every
    /// requirement.
    pub fn matches_object(&self, object: &Value) -> bool {
        match object.pointer("/metadata/labels") {
            Some(Value::Object(labels)) => self.matches(labels),
            _ => self.matches(&Map::new()),
        }
    }

    /// Whether a label set seen through `lookup` (the value of a key, `None` when unset)
    /// satisfies every requirement.
    pub fn matches_lookup<'a>(&self, lookup: impl Fn(&str) -> Option<&'a str>) -> bool {
        match &self.requirements {
            None => false,
            Some(requirements) => requirements
                .iter()
                .all(|requirement| requirement.matches_lookup(&lookup)),
        }
    }

    /// The value the selector requires `key` to have, if its first requirement on `key` is an
    /// equality or a single-valued `in` (kube's `RequiresExactMatch`).
    pub fn requires_exact_match(&self, key: &str) -> Option<&str> {
        let requirement = self
            .requirements
            .as_deref()?
            .iter()
            .find(|requirement| requirement.key == key)?;
        match (requirement.operator, requirement.values.as_slice()) {
            (Operator::Equals | Operator::DoubleEquals | Operator::In, [value]) => Some(value),
            _ => None,
        }
    }
}

impl Default for LabelSelector {
    fn default() -> Self {
        Self::everything()
    }
}

impl fmt::Display for LabelSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, requirement) in self.requirements.iter().flatten().enumerate() {
            if index > 0 {
                f.write_str(",")?;
            }
            write!(f, "{requirement}")?;
        }
        Ok(())
    }
}

impl FromStr for LabelSelector {
    type Err = SelectorError;

    fn from_str(selector: &str) -> Result<Self, Self::Err> {
        Self::parse(selector)
    }
}

impl TryFrom<&metav1::LabelSelector> for LabelSelector {
    type Error = SelectorError;

    /// As [`LabelSelector::from_label_selector_json`]; a missing (`None`) selector is
    /// [`LabelSelector::nothing`], which callers express by not calling this.
    fn try_from(selector: &metav1::LabelSelector) -> Result<Self, Self::Error> {
        let mut object = Map::new();
        if let Some(labels) = &selector.match_labels {
            object.insert(
                "matchLabels".to_owned(),
                Value::Object(
                    labels
                        .iter()
                        .map(|(key, value)| (key.clone(), Value::String(value.clone())))
                        .collect(),
                ),
            );
        }
        if let Some(expressions) = &selector.match_expressions {
            object.insert(
                "matchExpressions".to_owned(),
                Value::Array(
                    expressions
                        .iter()
                        .map(|expression| {
                            let mut item = Map::new();
                            item.insert("key".to_owned(), Value::String(expression.key.clone()));
                            item.insert(
                                "operator".to_owned(),
                                Value::String(expression.operator.clone()),
                            );
                            if let Some(values) = &expression.values {
                                item.insert(
                                    "values".to_owned(),
                                    Value::Array(
                                        values.iter().cloned().map(Value::String).collect(),
                                    ),
                                );
                            }
                            Value::Object(item)
                        })
                        .collect(),
                ),
            );
        }
        Self::from_label_selector_json(&Value::Object(object))
    }
}

/// kube's `NewRequirement` with no field path, returning its aggregated error text.
fn new_requirement(
    key: String,
    operator: Operator,
    values: Vec<String>,
) -> Result<Requirement, String> {
    let mut errors = Vec::new();
    let key_errors = label_key_errors(&key);
    if !key_errors.is_empty() {
        errors.push(format!(
            "key: Invalid value: {}: {}",
            go_quote(&key),
            key_errors.join("; ")
        ));
    }
    let invalid_values = |detail: &str| {
        format!(
            "values: Invalid value: {}: {detail}",
            go_string_slice(&values)
        )
    };
    match operator {
        Operator::In | Operator::NotIn => {
            if values.is_empty() {
                errors.push(invalid_values(
                    "for 'in', 'notin' operators, values set can't be empty",
                ));
            }
        }
        Operator::Equals | Operator::DoubleEquals | Operator::NotEquals => {
            if values.len() != 1 {
                errors.push(invalid_values(
                    "exact-match compatibility requires one single value",
                ));
            }
        }
        Operator::Exists | Operator::DoesNotExist => {
            if !values.is_empty() {
                errors.push(invalid_values(
                    "values set must be empty for exists and does not exist",
                ));
            }
        }
        Operator::GreaterThan | Operator::LessThan => {
            if values.len() != 1 {
                errors.push(invalid_values(
                    "for 'Gt', 'Lt' operators, exactly one value is required",
                ));
            }
            for (index, value) in values.iter().enumerate() {
                if value.parse::<i64>().is_err() {
                    errors.push(format!(
                        "values[{index}]: Invalid value: {}: for 'Gt', 'Lt' operators, the value \
                         must be an integer",
                        go_quote(value)
                    ));
                }
            }
        }
    }
    for (index, value) in values.iter().enumerate() {
        let value_errors = label_value_errors(value);
        if !value_errors.is_empty() {
            errors.push(format!(
                "values[{index}][{key}]: Invalid value: {}: {}",
                go_quote(value),
                value_errors.join("; ")
            ));
        }
    }
    if errors.is_empty() {
        Ok(Requirement {
            key,
            operator,
            values,
        })
    } else {
        Err(aggregate(errors))
    }
}

/// kube's `ErrorList.ToAggregate().Error()`: duplicates dropped, one message as is, several
/// bracketed and comma-separated.
fn aggregate(errors: Vec<String>) -> String {
    let mut unique: Vec<String> = Vec::with_capacity(errors.len());
    for error in errors {
        if !unique.contains(&error) {
            unique.push(error);
        }
    }
    if unique.len() == 1 {
        unique.remove(0)
    } else {
        format!("[{}]", unique.join(", "))
    }
}

/// A `[]string` as Go's `%#v` prints it (a missing or empty list is the nil slice kube builds).
fn go_string_slice(values: &[String]) -> String {
    if values.is_empty() {
        return "[]string(nil)".to_owned();
    }
    let quoted: Vec<String> = values.iter().map(|value| go_quote(value)).collect();
    format!("[]string{{{}}}", quoted.join(", "))
}

/// Go's JSON decoding error for `value` where `target` was expected.
fn decode_error(value: &Value, target: &str) -> SelectorError {
    let found = match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    SelectorError::InvalidLabelSelector(format!(
        "json: cannot unmarshal {found} into {}{target}",
        if target.starts_with("Go ") {
            ""
        } else {
            "Go value of type "
        }
    ))
}

/// The key, operator and values of a `metav1.LabelSelectorRequirement` as JSON.
fn decode_expression(expression: &Value) -> Result<(String, String, Vec<String>), SelectorError> {
    const TARGET: &str = "Go struct field LabelSelectorRequirement";
    let Value::Object(expression) = expression else {
        return Err(decode_error(expression, "v1.LabelSelectorRequirement"));
    };
    let string_field = |name: &str| match expression.get(name) {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(value)) => Ok(value.clone()),
        Some(other) => Err(decode_error(
            other,
            &format!("{TARGET}.matchExpressions.{name} of type string"),
        )),
    };
    let key = string_field("key")?;
    let operator = string_field("operator")?;
    let values = match expression.get("values") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(values)) => values
            .iter()
            .map(|value| match value {
                Value::String(value) => Ok(value.clone()),
                other => Err(decode_error(
                    other,
                    &format!("{TARGET}.matchExpressions.values of type string"),
                )),
            })
            .collect::<Result<_, _>>()?,
        Some(other) => {
            return Err(decode_error(
                other,
                &format!("{TARGET}.matchExpressions.values of type []string"),
            ));
        }
    };
    Ok((key, operator, values))
}

/// kube's lexer tokens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Token {
    Error,
    EndOfString,
    ClosedPar,
    Comma,
    DoesNotExist,
    DoubleEquals,
    Equals,
    GreaterThan,
    Identifier,
    In,
    LessThan,
    NotEquals,
    NotIn,
    OpenPar,
}

/// kube's `string2token`.
fn keyword(literal: &[u8]) -> Option<Token> {
    Some(match literal {
        b")" => Token::ClosedPar,
        b"," => Token::Comma,
        b"!" => Token::DoesNotExist,
        b"==" => Token::DoubleEquals,
        b"=" => Token::Equals,
        b">" => Token::GreaterThan,
        b"in" => Token::In,
        b"<" => Token::LessThan,
        b"!=" => Token::NotEquals,
        b"notin" => Token::NotIn,
        b"(" => Token::OpenPar,
        _ => return None,
    })
}

fn is_whitespace(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\r' | b'\n')
}

fn is_special_symbol(byte: u8) -> bool {
    matches!(byte, b'=' | b'!' | b'(' | b')' | b',' | b'>' | b'<')
}

/// kube's byte-wise lexer; like it, a NUL byte reads as the end of the input.
struct Lexer<'a> {
    input: &'a [u8],
    position: usize,
}

impl Lexer<'_> {
    fn read(&mut self) -> u8 {
        match self.input.get(self.position) {
            Some(byte) => {
                self.position += 1;
                *byte
            }
            None => 0,
        }
    }

    fn unread(&mut self) {
        self.position = self.position.saturating_sub(1);
    }

    fn lex(&mut self) -> (Token, String) {
        let mut byte = self.read();
        while is_whitespace(byte) {
            byte = self.read();
        }
        if byte == 0 {
            (Token::EndOfString, String::new())
        } else if is_special_symbol(byte) {
            self.unread();
            self.scan_special_symbol()
        } else {
            self.unread();
            self.scan_identifier_or_keyword()
        }
    }

    fn scan_identifier_or_keyword(&mut self) -> (Token, String) {
        let mut buffer = Vec::new();
        loop {
            let byte = self.read();
            if byte == 0 {
                break;
            }
            if is_special_symbol(byte) || is_whitespace(byte) {
                self.unread();
                break;
            }
            buffer.push(byte);
        }
        let literal = String::from_utf8_lossy(&buffer).into_owned();
        (keyword(&buffer).unwrap_or(Token::Identifier), literal)
    }

    fn scan_special_symbol(&mut self) -> (Token, String) {
        let mut last: Option<(Token, String)> = None;
        let mut buffer = Vec::new();
        loop {
            let byte = self.read();
            if byte == 0 {
                break;
            }
            if !is_special_symbol(byte) {
                self.unread();
                break;
            }
            buffer.push(byte);
            if let Some(token) = keyword(&buffer) {
                last = Some((token, String::from_utf8_lossy(&buffer).into_owned()));
            } else if last.is_some() {
                self.unread();
                break;
            }
        }
        last.unwrap_or_else(|| {
            (
                Token::Error,
                format!(
                    "error expected: keyword found '{}'",
                    String::from_utf8_lossy(&buffer)
                ),
            )
        })
    }
}

/// Whether `in` and `notin` are keywords (after a key) or plain values.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Context {
    KeyAndOperator,
    Values,
}

/// kube's recursive-descent parser over the scanned tokens; errors are kube's message text.
struct Parser {
    items: Vec<(Token, String)>,
    position: usize,
}

impl Parser {
    fn new(selector: &str) -> Self {
        let mut lexer = Lexer {
            input: selector.as_bytes(),
            position: 0,
        };
        let mut items = Vec::new();
        loop {
            let item = lexer.lex();
            let end = item.0 == Token::EndOfString;
            items.push(item);
            if end {
                break;
            }
        }
        Self { items, position: 0 }
    }

    fn item(&self, index: usize, context: Context) -> (Token, String) {
        let (token, literal) = self
            .items
            .get(index)
            .or(self.items.last())
            .cloned()
            .unwrap_or((Token::EndOfString, String::new()));
        match (context, token) {
            (Context::Values, Token::In | Token::NotIn) => (Token::Identifier, literal),
            _ => (token, literal),
        }
    }

    fn lookahead(&self, context: Context) -> (Token, String) {
        self.item(self.position, context)
    }

    fn consume(&mut self, context: Context) -> (Token, String) {
        let item = self.item(self.position, context);
        self.position += 1;
        item
    }

    fn parse(&mut self) -> Result<Vec<Requirement>, String> {
        let mut requirements = Vec::new();
        loop {
            let (token, literal) = self.lookahead(Context::Values);
            match token {
                Token::Identifier | Token::DoesNotExist => {
                    let requirement = self
                        .parse_requirement()
                        .map_err(|error| format!("unable to parse requirement: {error}"))?;
                    requirements.push(requirement);
                    let (token, literal) = self.consume(Context::Values);
                    match token {
                        Token::EndOfString => return Ok(requirements),
                        Token::Comma => {
                            let (next, next_literal) = self.lookahead(Context::Values);
                            if next != Token::Identifier && next != Token::DoesNotExist {
                                return Err(format!(
                                    "found '{next_literal}', expected: identifier after ','"
                                ));
                            }
                        }
                        _ => {
                            return Err(format!(
                                "found '{literal}', expected: ',' or 'end of string'"
                            ));
                        }
                    }
                }
                Token::EndOfString => return Ok(requirements),
                _ => {
                    return Err(format!(
                        "found '{literal}', expected: !, identifier, or 'end of string'"
                    ));
                }
            }
        }
    }

    fn parse_requirement(&mut self) -> Result<Requirement, String> {
        let (key, operator) = self.parse_key_and_infer_operator()?;
        if let Some(operator @ (Operator::Exists | Operator::DoesNotExist)) = operator {
            return new_requirement(key, operator, Vec::new());
        }
        let operator = self.parse_operator()?;
        let values = match operator {
            Operator::In | Operator::NotIn => self.parse_values()?,
            _ => self.parse_exact_value()?,
        };
        new_requirement(key, operator, values.into_iter().collect())
    }

    fn parse_key_and_infer_operator(&mut self) -> Result<(String, Option<Operator>), String> {
        let mut operator = None;
        let (mut token, mut literal) = self.consume(Context::Values);
        if token == Token::DoesNotExist {
            operator = Some(Operator::DoesNotExist);
            (token, literal) = self.consume(Context::Values);
        }
        if token != Token::Identifier {
            return Err(format!("found '{literal}', expected: identifier"));
        }
        let key_errors = label_key_errors(&literal);
        if !key_errors.is_empty() {
            return Err(format!(
                "<nil>: Invalid value: {}: {}",
                go_quote(&literal),
                key_errors.join("; ")
            ));
        }
        let (next, _) = self.lookahead(Context::Values);
        if (next == Token::EndOfString || next == Token::Comma)
            && operator != Some(Operator::DoesNotExist)
        {
            operator = Some(Operator::Exists);
        }
        Ok((literal, operator))
    }

    fn parse_operator(&mut self) -> Result<Operator, String> {
        let (token, literal) = self.consume(Context::KeyAndOperator);
        Ok(match token {
            Token::In => Operator::In,
            Token::Equals => Operator::Equals,
            Token::DoubleEquals => Operator::DoubleEquals,
            Token::GreaterThan => Operator::GreaterThan,
            Token::LessThan => Operator::LessThan,
            Token::NotIn => Operator::NotIn,
            Token::NotEquals => Operator::NotEquals,
            _ => {
                return Err(format!(
                    "found '{literal}', expected: in, notin, =, ==, !=, gt, lt"
                ));
            }
        })
    }

    fn parse_values(&mut self) -> Result<BTreeSet<String>, String> {
        let (token, literal) = self.consume(Context::Values);
        if token != Token::OpenPar {
            return Err(format!("found '{literal}' expected: '('"));
        }
        let (token, literal) = self.lookahead(Context::Values);
        match token {
            Token::Identifier | Token::Comma => {
                let values = self.parse_identifiers_list()?;
                let (token, _) = self.consume(Context::Values);
                if token != Token::ClosedPar {
                    return Err(format!("found '{literal}', expected: ')'"));
                }
                Ok(values)
            }
            Token::ClosedPar => {
                self.consume(Context::Values);
                Ok(BTreeSet::from([String::new()]))
            }
            _ => Err(format!(
                "found '{literal}', expected: ',', ')' or identifier"
            )),
        }
    }

    /// As in v1.32: a `,,` consumes its second comma, so `(a,,)` is rejected (v1.35 accepts it).
    fn parse_identifiers_list(&mut self) -> Result<BTreeSet<String>, String> {
        let mut values = BTreeSet::new();
        loop {
            let (token, literal) = self.consume(Context::Values);
            match token {
                Token::Identifier => {
                    values.insert(literal);
                    let (next, next_literal) = self.lookahead(Context::Values);
                    match next {
                        Token::Comma => continue,
                        Token::ClosedPar => return Ok(values),
                        _ => {
                            return Err(format!("found '{next_literal}', expected: ',' or ')'"));
                        }
                    }
                }
                Token::Comma => {
                    if values.is_empty() {
                        values.insert(String::new());
                    }
                    let (next, _) = self.lookahead(Context::Values);
                    if next == Token::ClosedPar {
                        values.insert(String::new());
                        return Ok(values);
                    }
                    if next == Token::Comma {
                        self.consume(Context::Values);
                        values.insert(String::new());
                    }
                }
                _ => return Err(format!("found '{literal}', expected: ',', or identifier")),
            }
        }
    }

    fn parse_exact_value(&mut self) -> Result<BTreeSet<String>, String> {
        let (token, _) = self.lookahead(Context::Values);
        if token == Token::EndOfString || token == Token::Comma {
            return Ok(BTreeSet::from([String::new()]));
        }
        let (token, literal) = self.consume(Context::Values);
        if token == Token::Identifier {
            Ok(BTreeSet::from([literal]))
        } else {
            Err(format!("found '{literal}', expected: identifier"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn labels(pairs: &[(&str, &str)]) -> Map<String, Value> {
        pairs
            .iter()
            .map(|(key, value)| ((*key).to_owned(), Value::String((*value).to_owned())))
            .collect()
    }

    fn parse_error(selector: &str) -> String {
        LabelSelector::parse(selector).unwrap_err().to_string()
    }

    const NAME_REGEX: &str = "must consist of alphanumeric characters, '-', '_' or '.', and must \
        start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or \
        '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
    const VALUE_REGEX: &str = "a valid label must be an empty string or consist of alphanumeric \
        characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. \
        'MyValue',  or 'my_value',  or '12345', regex used for validation is \
        '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

    #[test]
    fn empty_selects_everything() {
        for selector in ["", "   ", "\t\n"] {
            let parsed = LabelSelector::parse(selector).unwrap();
            assert!(parsed.is_empty() && !parsed.matches_nothing());
            assert!(parsed.matches(&Map::new()));
            assert!(parsed.matches(&labels(&[("a", "b")])));
            assert_eq!(parsed.to_string(), "");
            assert_eq!(parsed, LabelSelector::everything());
        }
        assert_eq!(LabelSelector::default(), LabelSelector::everything());
    }

    #[test]
    fn every_operator_parses_and_prints_canonically() {
        for (input, canonical) in [
            ("a=b", "a=b"),
            ("a==b", "a==b"),
            ("a!=b", "a!=b"),
            ("a in (y, x)", "a in (x,y)"),
            ("a notin (x)", "a notin (x)"),
            ("a", "a"),
            ("!a", "!a"),
            ("a>1", "a>1"),
            ("a<1", "a<1"),
            ("z=1,a in (c,b),!m", "a in (b,c),!m,z=1"),
            ("  a  =  b  ,  c  ", "a=b,c"),
            ("a\tin\t(x,\ny)\r", "a in (x,y)"),
            ("a in(x)", "a in (x)"),
            ("a in (x,x,y)", "a in (x,y)"),
            ("a=", "a="),
            ("a in ()", "a in ()"),
            ("a in (x,)", "a in (,x)"),
            ("a in (,x)", "a in (,x)"),
            ("a in (x,,y)", "a in (,x,y)"),
            ("in in (in)", "in in (in)"),
            ("notin=notin", "notin=notin"),
            (
                "app.kubernetes.io/name=my_app-1.2",
                "app.kubernetes.io/name=my_app-1.2",
            ),
        ] {
            let parsed = LabelSelector::parse(input).unwrap();
            assert_eq!(parsed.to_string(), canonical, "{input:?}");
            // The canonical form parses back to the same selector.
            assert_eq!(
                LabelSelector::parse(canonical).unwrap(),
                parsed,
                "{input:?}"
            );
        }
    }

    #[test]
    fn requirements_are_sorted_by_key_and_keep_their_operators() {
        let parsed: LabelSelector = "z!=1,b,a in (y,x)".parse().unwrap();
        let requirements = parsed.requirements().unwrap();
        let summary: Vec<(&str, Operator, &[String])> = requirements
            .iter()
            .map(|requirement| {
                (
                    requirement.key(),
                    requirement.operator(),
                    requirement.values(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                ("a", Operator::In, &["x".to_owned(), "y".to_owned()][..]),
                ("b", Operator::Exists, &[][..]),
                ("z", Operator::NotEquals, &["1".to_owned()][..]),
            ]
        );
        assert_eq!(Operator::DoesNotExist.as_str(), "!");
        assert_eq!(Operator::GreaterThan.as_str(), "gt");
    }

    #[test]
    fn matching_follows_kube() {
        type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], bool);
        let cases: &[Case] = &[
            ("a=b", &[("a", "b")], true),
            ("a=b", &[("a", "c")], false),
            ("a=b", &[], false),
            ("a==b", &[("a", "b")], true),
            ("a!=b", &[("a", "c")], true),
            ("a!=b", &[("a", "b")], false),
            // != and notin match objects without the label.
            ("a!=b", &[], true),
            ("a notin (b)", &[], true),
            ("a notin (b,c)", &[("a", "c")], false),
            ("a notin (b,c)", &[("a", "d")], true),
            ("a in (b,c)", &[("a", "c")], true),
            ("a in (b,c)", &[], false),
            ("a in (x)", &[("a", "x")], true),
            ("a in (x)", &[("a", "y")], false),
            // Exists holds for an empty value; only a missing label is "not existing".
            ("a", &[("a", "")], true),
            ("a", &[], false),
            ("!a", &[("a", "")], false),
            ("!a", &[("b", "x")], true),
            ("a=", &[("a", "")], true),
            ("a=", &[], false),
            ("a in ()", &[("a", "")], true),
            ("a in (,x)", &[("a", "")], true),
            ("a>1", &[("a", "2")], true),
            ("a>1", &[("a", "1")], false),
            ("a>1", &[("a", "x")], false),
            ("a>1", &[], false),
            ("a<10", &[("a", "-3")], true),
            ("a<10", &[("a", "10")], false),
            ("a=b,a!=c", &[("a", "b")], true),
            ("a=b,c", &[("a", "b")], false),
            ("a=b,c", &[("a", "b"), ("c", "")], true),
            (
                "app.kubernetes.io/name=my_app-1.2",
                &[("app.kubernetes.io/name", "my_app-1.2")],
                true,
            ),
            ("x.y/z-1_2=v.1", &[("x.y/z-1_2", "v.1")], true),
        ];
        for (selector, label_set, expected) in cases {
            let parsed = LabelSelector::parse(selector).unwrap();
            let map = labels(label_set);
            assert_eq!(
                parsed.matches(&map),
                *expected,
                "{selector} on {label_set:?}"
            );
            let btree: BTreeMap<String, String> = label_set
                .iter()
                .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
                .collect();
            assert_eq!(parsed.matches_map(&btree), *expected, "{selector}");
            let object = json!({"metadata": {"labels": map}});
            assert_eq!(parsed.matches_object(&object), *expected, "{selector}");
        }
    }

    #[test]
    fn objects_without_labels_and_non_string_values() {
        let selector = LabelSelector::parse("a!=b,!c").unwrap();
        assert!(selector.matches_object(&json!({"metadata": {"name": "x"}})));
        assert!(selector.matches_object(&json!({})));
        assert!(selector.matches_object(&json!({"metadata": {"labels": null}})));
        let exists = LabelSelector::parse("a").unwrap();
        assert!(!exists.matches_object(&json!({"metadata": {"labels": {"a": 1}}})));
        assert!(exists.matches_object(&json!({"metadata": {"labels": {"a": "1"}}})));
    }

    #[test]
    fn parse_errors_carry_kubes_messages() {
        for (selector, message) in [
            (
                "a=(b",
                "unable to parse requirement: found '(', expected: identifier",
            ),
            (
                "in (",
                "unable to parse requirement: found '(', expected: in, notin, =, ==, !=, gt, lt",
            ),
            (
                "x notin",
                "unable to parse requirement: found '' expected: '('",
            ),
            ("a==b==c", "found '==', expected: ',' or 'end of string'"),
            ("a=b c", "found 'c', expected: ',' or 'end of string'"),
            ("a,", "found '', expected: identifier after ','"),
            ("a,,b", "found ',', expected: identifier after ','"),
            (
                ",a",
                "found ',', expected: !, identifier, or 'end of string'",
            ),
            (
                "=a",
                "found '=', expected: !, identifier, or 'end of string'",
            ),
            (
                "a b",
                "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt",
            ),
            (
                "component not in (kube-apiserver)",
                "unable to parse requirement: found 'not', expected: in, notin, =, ==, !=, gt, lt",
            ),
            (
                "!",
                "unable to parse requirement: found '', expected: identifier",
            ),
            (
                "!=a",
                "found '!=', expected: !, identifier, or 'end of string'",
            ),
            (
                "! =a",
                "unable to parse requirement: found '=', expected: identifier",
            ),
            ("!a=b", "found '=', expected: ',' or 'end of string'"),
            (
                "a in b",
                "unable to parse requirement: found 'b' expected: '('",
            ),
            (
                "a in (b c)",
                "unable to parse requirement: found 'c', expected: ',' or ')'",
            ),
            (
                "a in (b",
                "unable to parse requirement: found '', expected: ',' or ')'",
            ),
            (
                "a in (=)",
                "unable to parse requirement: found '=', expected: ',', ')' or identifier",
            ),
            (
                "a in (b,=)",
                "unable to parse requirement: found '=', expected: ',', or identifier",
            ),
            // v1.32 rejects a doubled comma right before ')'.
            (
                "a in (b,,)",
                "unable to parse requirement: found ')', expected: ',', or identifier",
            ),
            ("a=b!", "found '!', expected: ',' or 'end of string'"),
            (
                "a>b",
                "unable to parse requirement: values[0]: Invalid value: \"b\": for 'Gt', 'Lt' \
                 operators, the value must be an integer",
            ),
            (
                "a<",
                "unable to parse requirement: values[0]: Invalid value: \"\": for 'Gt', 'Lt' \
                 operators, the value must be an integer",
            ),
        ] {
            assert_eq!(parse_error(selector), message, "{selector:?}");
        }
    }

    #[test]
    fn invalid_keys_are_rejected_with_a_nil_path() {
        assert_eq!(
            parse_error("-a=b"),
            format!(
                "unable to parse requirement: <nil>: Invalid value: \"-a\": name part {NAME_REGEX}"
            )
        );
        assert_eq!(
            parse_error("a/b/c"),
            format!(
                "unable to parse requirement: <nil>: Invalid value: \"a/b/c\": a qualified name \
                 {NAME_REGEX} with an optional DNS subdomain prefix and '/' (e.g. \
                 'example.com/MyName')"
            )
        );
        assert_eq!(
            parse_error("a/"),
            format!(
                "unable to parse requirement: <nil>: Invalid value: \"a/\": name part must be \
                 non-empty; name part {NAME_REGEX}"
            )
        );
        assert_eq!(
            parse_error("/a in (x)"),
            "unable to parse requirement: <nil>: Invalid value: \"/a\": prefix part must be \
             non-empty"
        );
        let long = "k".repeat(64);
        assert_eq!(
            parse_error(&format!("!{long}")),
            format!(
                "unable to parse requirement: <nil>: Invalid value: \"{long}\": name part must be \
                 no more than 63 characters"
            )
        );
        assert!(
            parse_error("Example.com/a").contains("prefix part a lowercase RFC 1123 subdomain")
        );
        assert!(parse_error("a\"b").contains("Invalid value: \"a\\\"b\""));
        assert!(LabelSelector::parse(&"k".repeat(63)).is_ok());
    }

    #[test]
    fn invalid_values_are_rejected_with_their_path() {
        assert_eq!(
            parse_error("a=b@c"),
            format!(
                "unable to parse requirement: values[0][a]: Invalid value: \"b@c\": {VALUE_REGEX}"
            )
        );
        // Values are sorted before validation, as kube's string set is.
        assert_eq!(
            parse_error("a in (z#, y@)"),
            format!(
                "unable to parse requirement: [values[0][a]: Invalid value: \"y@\": \
                 {VALUE_REGEX}, values[1][a]: Invalid value: \"z#\": {VALUE_REGEX}]"
            )
        );
        let long = "v".repeat(64);
        assert_eq!(
            parse_error(&format!("a={long}")),
            format!(
                "unable to parse requirement: values[0][a]: Invalid value: \"{long}\": must be \
                 no more than 63 characters"
            )
        );
        assert!(LabelSelector::parse(&format!("a={}", "v".repeat(63))).is_ok());
        assert_eq!(
            parse_error("a>-b"),
            format!(
                "unable to parse requirement: [values[0]: Invalid value: \"-b\": for 'Gt', 'Lt' \
                 operators, the value must be an integer, values[0][a]: Invalid value: \"-b\": \
                 {VALUE_REGEX}]"
            )
        );
    }

    #[test]
    fn a_nul_byte_ends_a_token_like_in_kube() {
        assert_eq!(LabelSelector::parse("a\0").unwrap().to_string(), "a");
        assert_eq!(
            parse_error("a\0b"),
            "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"
        );
    }

    #[test]
    fn exact_match_lookup() {
        let parsed = LabelSelector::parse("a==x,b in (y),c in (y,z),d!=w,e").unwrap();
        assert_eq!(parsed.requires_exact_match("a"), Some("x"));
        assert_eq!(parsed.requires_exact_match("b"), Some("y"));
        assert_eq!(parsed.requires_exact_match("c"), None);
        assert_eq!(parsed.requires_exact_match("d"), None);
        assert_eq!(parsed.requires_exact_match("e"), None);
        assert_eq!(parsed.requires_exact_match("f"), None);
        // Only the first requirement on the key counts.
        let parsed = LabelSelector::parse("a!=y,a=x").unwrap();
        assert_eq!(parsed.requires_exact_match("a"), None);
        assert_eq!(LabelSelector::nothing().requires_exact_match("a"), None);
    }

    #[test]
    fn label_selector_objects_convert_like_kube() {
        let nothing = LabelSelector::from_label_selector_json(&Value::Null).unwrap();
        assert!(nothing.matches_nothing() && !nothing.is_empty());
        assert!(!nothing.matches(&Map::new()));
        assert!(!nothing.matches(&labels(&[("a", "b")])));
        assert_eq!(nothing.to_string(), "");
        assert_eq!(nothing.requirements(), None);

        for everything in [
            json!({}),
            json!({"matchLabels": {}}),
            json!({"matchLabels": null, "matchExpressions": []}),
        ] {
            let selector = LabelSelector::from_label_selector_json(&everything).unwrap();
            assert!(selector.is_empty(), "{everything}");
            assert!(selector.matches(&Map::new()));
        }

        let selector = LabelSelector::from_label_selector_json(&json!({
            "matchLabels": {"b": "1", "a2": "x"},
            "matchExpressions": [
                {"key": "a", "operator": "In", "values": ["y", "x"]},
                {"key": "c", "operator": "NotIn", "values": ["z"]},
                {"key": "d", "operator": "Exists"},
                {"key": "e", "operator": "DoesNotExist", "values": []},
            ],
        }))
        .unwrap();
        assert_eq!(selector.to_string(), "a in (x,y),a2=x,b=1,c notin (z),d,!e");
        assert_eq!(selector.requirements().unwrap()[0].values(), ["y", "x"]);
        assert!(selector.matches(&labels(&[("a", "x"), ("a2", "x"), ("b", "1"), ("d", "")])));
        assert!(!selector.matches(&labels(&[("a", "x"), ("a2", "x"), ("b", "1")])));
        assert!(!selector.matches(&labels(&[
            ("a", "x"),
            ("a2", "x"),
            ("b", "1"),
            ("d", ""),
            ("e", "")
        ])));
        assert!(!selector.matches(&labels(&[
            ("a", "x"),
            ("a2", "x"),
            ("b", "1"),
            ("c", "z"),
            ("d", "")
        ])));
    }

    #[test]
    fn label_selector_object_errors() {
        let error = |value: Value| {
            LabelSelector::from_label_selector_json(&value)
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            error(json!({"matchExpressions": [{"key": "a", "operator": "Foo"}]})),
            "\"Foo\" is not a valid label selector operator"
        );
        assert_eq!(
            error(json!({"matchExpressions": [{"key": "a", "operator": "in", "values": ["x"]}]})),
            "\"in\" is not a valid label selector operator"
        );
        assert_eq!(
            error(json!({"matchExpressions": [{"key": "a", "operator": "In"}]})),
            "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't \
             be empty"
        );
        assert_eq!(
            error(
                json!({"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["x", "y"]}]})
            ),
            "values: Invalid value: []string{\"x\", \"y\"}: values set must be empty for exists \
             and does not exist"
        );
        assert_eq!(
            error(json!({"matchLabels": {"a b": "c"}})),
            format!("key: Invalid value: \"a b\": name part {NAME_REGEX}")
        );
        assert_eq!(
            error(json!({"matchLabels": {"a": "c d"}})),
            format!("values[0][a]: Invalid value: \"c d\": {VALUE_REGEX}")
        );
        assert_eq!(
            error(json!({"matchExpressions": [{"key": "", "operator": "NotIn", "values": []}]})),
            format!(
                "[key: Invalid value: \"\": name part must be non-empty; name part {NAME_REGEX}, \
                 values: Invalid value: []string(nil): for 'in', 'notin' operators, values set \
                 can't be empty]"
            )
        );
        assert_eq!(
            error(json!("a=b")),
            "json: cannot unmarshal string into Go value of type v1.LabelSelector"
        );
        assert!(
            error(json!({"matchLabels": {"a": 1}})).starts_with("json: cannot unmarshal number")
        );
        assert!(
            error(json!({"matchExpressions": {}})).starts_with("json: cannot unmarshal object")
        );
    }

    #[test]
    fn typed_label_selectors_convert_too() {
        let typed = metav1::LabelSelector {
            match_labels: Some(BTreeMap::from([("app".to_owned(), "web".to_owned())])),
            match_expressions: Some(vec![metav1::LabelSelectorRequirement {
                key: "tier".to_owned(),
                operator: "NotIn".to_owned(),
                values: Some(vec!["cache".to_owned()]),
            }]),
        };
        let selector = LabelSelector::try_from(&typed).unwrap();
        assert_eq!(selector.to_string(), "app=web,tier notin (cache)");
        assert!(
            LabelSelector::try_from(&metav1::LabelSelector::default())
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn programmatic_requirements_are_validated() {
        let requirement = Requirement::new("a", Operator::In, vec!["x".into()]).unwrap();
        assert_eq!(requirement.to_string(), "a in (x)");
        assert_eq!(
            Requirement::new("a", Operator::Equals, vec![])
                .unwrap_err()
                .to_string(),
            "values: Invalid value: []string(nil): exact-match compatibility requires one single \
             value"
        );
        assert_eq!(
            Requirement::new("a", Operator::GreaterThan, vec!["1".into(), "2".into()])
                .unwrap_err()
                .to_string(),
            "values: Invalid value: []string{\"1\", \"2\"}: for 'Gt', 'Lt' operators, exactly \
             one value is required"
        );
        let selector = LabelSelector::from_requirements(vec![
            Requirement::new("z", Operator::Exists, vec![]).unwrap(),
            requirement,
        ]);
        assert_eq!(selector.to_string(), "a in (x),z");
    }
}
