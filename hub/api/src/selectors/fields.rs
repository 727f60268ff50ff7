//! Field selectors: kube's `fieldSelector` syntax (`k8s.io/apimachinery/pkg/fields`, v1.32, with
//! its `\,` `\=` `\\` escapes), the field labels each built-in kind accepts (the
//! `AddFieldLabelConversionFunc` registrations of `pkg/apis/*/v1`, or kube's default conversion),
//! and the values kube's registry strategies (`ToSelectableFields`) give those labels.

use std::fmt;
use std::str::FromStr;

use serde_json::Value;

use super::SelectorError;

/// How a [`FieldRequirement`] compares a field with its value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FieldOperator {
    /// `field=value` or `field==value`.
    Equals,
    /// `field!=value`.
    NotEquals,
}

/// One term of a field selector, e.g. `status.phase!=Running`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldRequirement {
    field: String,
    operator: FieldOperator,
    value: String,
}

/// A parsed field selector: terms that must all hold, in kube's order (the raw terms sorted as
/// strings). The default and the empty string select everything. `Display` prints kube's form,
/// values escaped: `a=b,c!=d\,e`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldSelector {
    requirements: Vec<FieldRequirement>,
}

impl FieldRequirement {
    /// The field label, e.g. `metadata.name`, exactly as written (kube neither trims nor checks
    /// it while parsing).
    pub fn field(&self) -> &str {
        &self.field
    }

    /// The operator.
    pub fn operator(&self) -> FieldOperator {
        self.operator
    }

    /// The value, unescaped.
    pub fn value(&self) -> &str {
        &self.value
    }
}

impl fmt::Display for FieldRequirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let operator = match self.operator {
            FieldOperator::Equals => "=",
            FieldOperator::NotEquals => "!=",
        };
        write!(
            f,
            "{}{operator}{}",
            self.field,
            escape_field_value(&self.value)
        )
    }
}

impl FieldSelector {
    /// The selector that matches every object.
    pub fn everything() -> Self {
        Self::default()
    }

    /// Parses the `fieldSelector` syntax as kube's `fields.ParseSelector`: comma-separated
    /// `field=value`, `field==value` or `field!=value` terms; in values, `\,`, `\=` and `\\`
    /// stand for `,`, `=` and `\`, and a bare `=` (or `,`) or any other escape is an error.
    /// Empty terms are skipped. Errors carry kube's message, e.g.
    /// `invalid selector: 'a'; can't understand 'a'`.
    pub fn parse(selector: &str) -> Result<Self, SelectorError> {
        let mut terms = split_terms(selector);
        terms.sort_unstable();
        let mut requirements = Vec::with_capacity(terms.len());
        for term in terms {
            if term.is_empty() {
                continue;
            }
            let Some((field, operator, raw_value)) = split_term(term) else {
                return Err(SelectorError::InvalidFieldSelector(format!(
                    "invalid selector: '{selector}'; can't understand '{term}'"
                )));
            };
            requirements.push(FieldRequirement {
                field: field.to_owned(),
                operator,
                value: unescape_field_value(raw_value)?,
            });
        }
        Ok(Self { requirements })
    }

    /// A selector of `(field, operator, value)` terms, kept in the given order.
    pub fn from_requirements(
        requirements: impl IntoIterator<Item = (String, FieldOperator, String)>,
    ) -> Self {
        Self {
            requirements: requirements
                .into_iter()
                .map(|(field, operator, value)| FieldRequirement {
                    field,
                    operator,
                    value,
                })
                .collect(),
        }
    }

    /// Whether the selector does not restrict anything.
    pub fn is_empty(&self) -> bool {
        self.requirements.is_empty()
    }

    /// The terms, in kube's order.
    pub fn requirements(&self) -> &[FieldRequirement] {
        &self.requirements
    }

    /// The value the selector requires `field` to equal, from its first `=` term on `field`
    /// (kube's `RequiresExactMatch`, used to turn `metadata.name=x` into a single get).
    pub fn requires_exact_match(&self, field: &str) -> Option<&str> {
        self.requirements
            .iter()
            .find(|requirement| {
                requirement.operator == FieldOperator::Equals && requirement.field == field
            })
            .map(|requirement| requirement.value.as_str())
    }

    /// Whether every term holds for the object whose field values `lookup` gives; a field
    /// without a value (`None`) compares as the empty string, as in kube.
    pub fn matches(&self, mut lookup: impl FnMut(&str) -> Option<String>) -> bool {
        self.requirements.iter().all(|requirement| {
            let actual = lookup(&requirement.field).unwrap_or_default();
            match requirement.operator {
                FieldOperator::Equals => actual == requirement.value,
                FieldOperator::NotEquals => actual != requirement.value,
            }
        })
    }

    /// Checks every field label against those the built-in kind `kind` of API group `group`
    /// (empty for core) supports, failing on the first unsupported one with kube's message.
    /// Call it when the request arrives, before listing anything.
    pub fn check(&self, group: &str, kind: &str) -> Result<(), SelectorError> {
        let conversion = Conversion::of(group, kind);
        self.requirements
            .iter()
            .try_for_each(|requirement| conversion.check(&requirement.field))
    }

    /// Checks every field label against those a custom resource supports: `metadata.name`,
    /// `metadata.namespace` when `namespaced`, and the CRD's `selectableFields` (JSON paths such
    /// as `.spec.color`; the leading dot is optional).
    pub fn check_custom(
        &self,
        namespaced: bool,
        selectable_fields: &[impl AsRef<str>],
    ) -> Result<(), SelectorError> {
        self.requirements.iter().try_for_each(|requirement| {
            check_custom_field(&requirement.field, namespaced, selectable_fields)
        })
    }

    /// [`FieldSelector::check`], then whether `object` (a built-in of `group` and `kind`)
    /// matches, with the values of [`field_value`].
    pub fn matches_object(
        &self,
        group: &str,
        kind: &str,
        object: &Value,
    ) -> Result<bool, SelectorError> {
        self.check(group, kind)?;
        Ok(self.matches(|field| builtin_value(group, kind, object, field)))
    }

    /// [`FieldSelector::check_custom`], then whether the custom resource `object` matches, with
    /// the values of [`custom_field_value`].
    pub fn matches_custom_object(
        &self,
        object: &Value,
        namespaced: bool,
        selectable_fields: &[impl AsRef<str>],
    ) -> Result<bool, SelectorError> {
        self.check_custom(namespaced, selectable_fields)?;
        Ok(self.matches(|field| custom_value(object, field)))
    }
}

impl fmt::Display for FieldSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, requirement) in self.requirements.iter().enumerate() {
            if index > 0 {
                f.write_str(",")?;
            }
            write!(f, "{requirement}")?;
        }
        Ok(())
    }
}

impl FromStr for FieldSelector {
    type Err = SelectorError;

    fn from_str(selector: &str) -> Result<Self, Self::Err> {
        Self::parse(selector)
    }
}

/// The value kube compares a field selector's `field` with for `object`, a built-in of API
/// group `group` (empty for core) and kind `kind`.
///
/// `Ok(Some(value))` is the value kube's field set holds, rendered as kube does (booleans as
/// `true`/`false`, counts in decimal, a missing string as `""`); `Ok(None)` means the label is
/// accepted but kube's field set has no entry for it (`status.podIPs` of pods, `metadata.namespace`
/// of a cluster-scoped object), so it compares as `""`. An unsupported label is an error with
/// kube's message: `field label not supported: <field>` for kinds with their own conversion
/// (note that kube rejects `metadata.namespace` for nodes, namespaces and
/// CertificateSigningRequests), `field label "<field>" not supported for batchv1.Job` for jobs,
/// and `"<field>" is not a known field selector: only "metadata.name", "metadata.namespace"` for
/// every other kind, apps/v1 ReplicaSet's `status.replicas` included. events.k8s.io events take
/// `regarding.*` and `reportingController` where core events take `involvedObject.*` and
/// `reportingComponent`; either event shape is read.
pub fn field_value(
    group: &str,
    kind: &str,
    object: &Value,
    field: &str,
) -> Result<Option<String>, SelectorError> {
    Conversion::of(group, kind).check(field)?;
    Ok(builtin_value(group, kind, object, field))
}

/// The value kube compares a field selector's `field` with for the custom resource `object`:
/// `metadata.name`, `metadata.namespace` when `namespaced`, or one of the CRD's
/// `selectableFields` (JSON paths such as `.spec.color`; the leading dot is optional), rendered
/// as kube does (strings as they are, booleans as `true`/`false`, integers in decimal, missing as
/// `""`). Anything else is `field label not supported: <field>`.
pub fn custom_field_value(
    object: &Value,
    field: &str,
    namespaced: bool,
    selectable_fields: &[impl AsRef<str>],
) -> Result<Option<String>, SelectorError> {
    check_custom_field(field, namespaced, selectable_fields)?;
    Ok(custom_value(object, field))
}

/// The field labels kube accepts for the built-in kind `kind` of API group `group` (empty for
/// core), in kube's order; `metadata.name` and `metadata.namespace` for kinds without their own.
pub fn supported_field_labels(group: &str, kind: &str) -> &'static [&'static str] {
    Conversion::of(group, kind).labels
}

/// Escapes `\`, `,` and `=` in a field selector value (kube's `fields.EscapeValue`).
pub fn escape_field_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if matches!(c, '\\' | ',' | '=') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Undoes [`escape_field_value`] (kube's `fields.UnescapeValue`): `\\`, `\,` and `\=` are the
/// only escapes, and an unescaped `,` or `=` is an error.
pub fn unescape_field_value(value: &str) -> Result<String, SelectorError> {
    if !value.contains(['\\', ',', '=']) {
        return Ok(value.to_owned());
    }
    let mut out = String::with_capacity(value.len());
    let mut in_slash = false;
    for c in value.chars() {
        if in_slash {
            if !matches!(c, '\\' | ',' | '=') {
                return Err(SelectorError::InvalidFieldSelector(format!(
                    "invalid field selector: invalid escape sequence: \\{c}"
                )));
            }
            out.push(c);
            in_slash = false;
            continue;
        }
        match c {
            '\\' => in_slash = true,
            // Go prints the rune with %v, that is as its number.
            ',' | '=' => {
                return Err(SelectorError::InvalidFieldSelector(format!(
                    "invalid field selector: unescaped character in value: {}",
                    c as u32
                )));
            }
            c => out.push(c),
        }
    }
    if in_slash {
        return Err(SelectorError::InvalidFieldSelector(
            "invalid field selector: invalid escape sequence: \\".to_owned(),
        ));
    }
    Ok(out)
}

/// Which field labels a kind's conversion function accepts, and how it words a refusal.
#[derive(Clone, Copy, Debug)]
struct Conversion {
    labels: &'static [&'static str],
    refusal: Refusal,
}

#[derive(Clone, Copy, Debug)]
enum Refusal {
    /// `runtime.DefaultMetaV1FieldSelectorConversion`.
    Default,
    /// `field label not supported: %s`.
    NotSupported,
    /// batch/v1 Job's `field label %q not supported for batchv1.Job`.
    Job,
}

const DEFAULT_LABELS: &[&str] = &["metadata.name", "metadata.namespace"];
const POD_LABELS: &[&str] = &[
    "metadata.name",
    "metadata.namespace",
    "spec.nodeName",
    "spec.restartPolicy",
    "spec.schedulerName",
    "spec.serviceAccountName",
    "spec.hostNetwork",
    "status.phase",
    "status.podIP",
    "status.podIPs",
    "status.nominatedNodeName",
    // Old clients' name for spec.nodeName.
    "spec.host",
];
const NODE_LABELS: &[&str] = &["metadata.name", "spec.unschedulable"];
const REPLICATION_CONTROLLER_LABELS: &[&str] =
    &["metadata.name", "metadata.namespace", "status.replicas"];
const EVENT_LABELS: &[&str] = &[
    "involvedObject.kind",
    "involvedObject.namespace",
    "involvedObject.name",
    "involvedObject.uid",
    "involvedObject.apiVersion",
    "involvedObject.resourceVersion",
    "involvedObject.fieldPath",
    "reason",
    "reportingComponent",
    "source",
    "type",
    "metadata.namespace",
    "metadata.name",
];
const EVENTS_V1_EVENT_LABELS: &[&str] = &[
    "reason",
    "regarding.kind",
    "regarding.namespace",
    "regarding.name",
    "regarding.uid",
    "regarding.apiVersion",
    "regarding.resourceVersion",
    "regarding.fieldPath",
    "reportingController",
    "source",
    "type",
    "metadata.namespace",
    "metadata.name",
];
const NAMESPACE_LABELS: &[&str] = &["status.phase", "metadata.name"];
const SECRET_LABELS: &[&str] = &["type", "metadata.namespace", "metadata.name"];
const SERVICE_LABELS: &[&str] = &[
    "metadata.namespace",
    "metadata.name",
    "spec.clusterIP",
    "spec.type",
];
const JOB_LABELS: &[&str] = &["metadata.name", "metadata.namespace", "status.successful"];
const CSR_LABELS: &[&str] = &["metadata.name", "spec.signerName"];

impl Conversion {
    fn of(group: &str, kind: &str) -> Self {
        let listed = |labels| Conversion {
            labels,
            refusal: Refusal::NotSupported,
        };
        match (group, kind) {
            ("", "Pod") => listed(POD_LABELS),
            ("", "Node") => listed(NODE_LABELS),
            ("", "ReplicationController") => listed(REPLICATION_CONTROLLER_LABELS),
            ("", "Event") => listed(EVENT_LABELS),
            ("", "Namespace") => listed(NAMESPACE_LABELS),
            ("", "Secret") => listed(SECRET_LABELS),
            ("", "Service") => listed(SERVICE_LABELS),
            ("events.k8s.io", "Event") => listed(EVENTS_V1_EVENT_LABELS),
            ("certificates.k8s.io", "CertificateSigningRequest") => listed(CSR_LABELS),
            ("batch", "Job") => Conversion {
                labels: JOB_LABELS,
                refusal: Refusal::Job,
            },
            _ => Conversion {
                labels: DEFAULT_LABELS,
                refusal: Refusal::Default,
            },
        }
    }

    fn check(self, field: &str) -> Result<(), SelectorError> {
        if self.labels.contains(&field) {
            return Ok(());
        }
        let field = field.to_owned();
        Err(match self.refusal {
            Refusal::Default => SelectorError::UnknownFieldSelector(field),
            Refusal::NotSupported => SelectorError::FieldLabelNotSupported(field),
            Refusal::Job => SelectorError::JobFieldLabelNotSupported(field),
        })
    }
}

/// kube's `splitTerms`: splits on commas not escaped by a backslash, keeping escapes.
fn split_terms(selector: &str) -> Vec<&str> {
    if selector.is_empty() {
        return Vec::new();
    }
    let mut terms = Vec::new();
    let mut start = 0;
    let mut in_slash = false;
    for (index, c) in selector.char_indices() {
        if in_slash {
            in_slash = false;
        } else if c == '\\' {
            in_slash = true;
        } else if c == ',' {
            terms.push(&selector[start..index]);
            start = index + 1;
        }
    }
    terms.push(&selector[start..]);
    terms
}

/// kube's `splitTerm`: the first `!=`, `==` or `=` splits the field from the raw value.
fn split_term(term: &str) -> Option<(&str, FieldOperator, &str)> {
    for (index, _) in term.char_indices() {
        let rest = &term[index..];
        for (operator, kind) in [
            ("!=", FieldOperator::NotEquals),
            ("==", FieldOperator::Equals),
            ("=", FieldOperator::Equals),
        ] {
            if let Some(value) = rest.strip_prefix(operator) {
                return Some((&term[..index], kind, value));
            }
        }
    }
    None
}

fn check_custom_field(
    field: &str,
    namespaced: bool,
    selectable_fields: &[impl AsRef<str>],
) -> Result<(), SelectorError> {
    let selectable = selectable_fields.iter().any(|path| {
        let path = path.as_ref();
        path.strip_prefix('.').unwrap_or(path) == field
    });
    if field == "metadata.name" || (namespaced && field == "metadata.namespace") || selectable {
        Ok(())
    } else {
        Err(SelectorError::FieldLabelNotSupported(field.to_owned()))
    }
}

/// The value of an accepted custom resource field label.
fn custom_value(object: &Value, field: &str) -> Option<String> {
    if field == "metadata.namespace" {
        return object
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .map(str::to_owned);
    }
    let mut current = object;
    for segment in field.split('.') {
        match current.get(segment) {
            Some(next) => current = next,
            None => return Some(String::new()),
        }
    }
    Some(match current {
        Value::String(value) => value.clone(),
        Value::Bool(value) => value.to_string(),
        Value::Number(number) => render_number(number),
        _ => String::new(),
    })
}

/// The value of an accepted built-in field label, as kube's `ToSelectableFields` builds it.
fn builtin_value(group: &str, kind: &str, object: &Value, field: &str) -> Option<String> {
    match field {
        "metadata.name" => return Some(string_at(object, "/metadata/name")),
        "metadata.namespace" => {
            return object
                .pointer("/metadata/namespace")
                .and_then(Value::as_str)
                .map(str::to_owned);
        }
        _ => {}
    }
    match (group, kind) {
        ("", "Pod") => pod_value(object, field),
        ("", "Node") => Some(bool_at(object, "/spec/unschedulable")),
        ("", "ReplicationController") | ("batch", "Job") => Some(count_at(
            object,
            if kind == "Job" {
                "/status/succeeded"
            } else {
                "/status/replicas"
            },
        )),
        ("" | "events.k8s.io", "Event") => Some(event_value(group, object, field)),
        ("", "Namespace") => Some(string_at(object, "/status/phase")),
        ("", "Secret") => Some(string_at(object, "/type")),
        ("", "Service") => Some(string_at(object, &format!("/{}", field.replace('.', "/")))),
        ("certificates.k8s.io", "CertificateSigningRequest") => {
            Some(string_at(object, "/spec/signerName"))
        }
        _ => None,
    }
}

fn pod_value(pod: &Value, field: &str) -> Option<String> {
    Some(match field {
        "spec.nodeName" | "spec.host" => string_at(pod, "/spec/nodeName"),
        "spec.restartPolicy" => string_at(pod, "/spec/restartPolicy"),
        "spec.schedulerName" => string_at(pod, "/spec/schedulerName"),
        // The deprecated spec.serviceAccount stands in for an empty serviceAccountName.
        "spec.serviceAccountName" => match string_at(pod, "/spec/serviceAccountName") {
            name if name.is_empty() => string_at(pod, "/spec/serviceAccount"),
            name => name,
        },
        "spec.hostNetwork" => bool_at(pod, "/spec/hostNetwork"),
        "status.phase" => string_at(pod, "/status/phase"),
        // The first of status.podIPs, or status.podIP when that list is empty.
        "status.podIP" => match pod.pointer("/status/podIPs/0") {
            Some(first) => string_at(first, "/ip"),
            None => string_at(pod, "/status/podIP"),
        },
        "status.nominatedNodeName" => string_at(pod, "/status/nominatedNodeName"),
        _ => return None,
    })
}

/// Reads either event shape: core/v1 (`involvedObject`, `reportingComponent`, `source`) or
/// events.k8s.io/v1 (`regarding`, `reportingController`, `deprecatedSource`), chosen by the
/// object's `apiVersion`, else by `group`.
fn event_value(group: &str, event: &Value, field: &str) -> String {
    let events_shape = match event.get("apiVersion").and_then(Value::as_str) {
        Some(api_version) => api_version.starts_with("events.k8s.io/"),
        None => group == "events.k8s.io",
    };
    let (reference, reporting, source) = if events_shape {
        (
            "/regarding",
            "/reportingController",
            "/deprecatedSource/component",
        )
    } else {
        (
            "/involvedObject",
            "/reportingComponent",
            "/source/component",
        )
    };
    if let Some(attribute) = field
        .strip_prefix("involvedObject.")
        .or_else(|| field.strip_prefix("regarding."))
    {
        return string_at(event, &format!("{reference}/{attribute}"));
    }
    match field {
        "reportingComponent" | "reportingController" => string_at(event, reporting),
        "source" => match string_at(event, source) {
            component if component.is_empty() => string_at(event, reporting),
            component => component,
        },
        _ => string_at(event, &format!("/{field}")),
    }
}

/// The string at a JSON pointer, `""` when missing or not a string.
fn string_at(object: &Value, pointer: &str) -> String {
    object
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// The boolean at a JSON pointer as `true`/`false`, `false` when missing.
fn bool_at(object: &Value, pointer: &str) -> String {
    object
        .pointer(pointer)
        .and_then(Value::as_bool)
        .unwrap_or(false)
        .to_string()
}

/// The count at a JSON pointer in decimal, `0` when missing.
fn count_at(object: &Value, pointer: &str) -> String {
    match object.pointer(pointer) {
        Some(Value::Number(number)) => render_number(number),
        _ => "0".to_owned(),
    }
}

fn render_number(number: &serde_json::Number) -> String {
    if let Some(integer) = number.as_i64() {
        return integer.to_string();
    }
    match number.as_f64() {
        Some(float) if float.fract() == 0.0 && float.abs() < 9.0e15 => (float as i64).to_string(),
        _ => number.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NONE: &[&str] = &[];

    fn parse_error(selector: &str) -> String {
        FieldSelector::parse(selector).unwrap_err().to_string()
    }

    fn value(group: &str, kind: &str, object: &Value, field: &str) -> Option<String> {
        field_value(group, kind, object, field).unwrap()
    }

    fn refusal(group: &str, kind: &str, field: &str) -> String {
        field_value(group, kind, &json!({}), field)
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn parses_terms_in_kubes_order() {
        let parsed =
            FieldSelector::parse("status.phase!=Running,metadata.name==x,spec.a=b").unwrap();
        let terms: Vec<(&str, FieldOperator, &str)> = parsed
            .requirements()
            .iter()
            .map(|term| (term.field(), term.operator(), term.value()))
            .collect();
        assert_eq!(
            terms,
            vec![
                ("metadata.name", FieldOperator::Equals, "x"),
                ("spec.a", FieldOperator::Equals, "b"),
                ("status.phase", FieldOperator::NotEquals, "Running"),
            ]
        );
        assert_eq!(
            parsed.to_string(),
            "metadata.name=x,spec.a=b,status.phase!=Running"
        );
        let parsed: FieldSelector = "a=".parse().unwrap();
        assert_eq!(parsed.requirements()[0].value(), "");
        // Fields are taken as written: no trimming.
        let parsed = FieldSelector::parse(" a = b").unwrap();
        assert_eq!(parsed.requirements()[0].field(), " a ");
        assert_eq!(parsed.requirements()[0].value(), " b");
        // The first operator wins.
        let parsed = FieldSelector::parse("a=!b").unwrap();
        assert_eq!(parsed.requirements()[0].value(), "!b");
        assert_eq!(parsed.requirements()[0].operator(), FieldOperator::Equals);
    }

    #[test]
    fn empty_terms_are_skipped() {
        for selector in ["", ",", ",,"] {
            let parsed = FieldSelector::parse(selector).unwrap();
            assert!(parsed.is_empty(), "{selector:?}");
            assert!(parsed.matches(|_| Some("anything".to_owned())));
            assert_eq!(parsed.to_string(), "");
        }
        assert_eq!(FieldSelector::parse(",a=b,").unwrap().to_string(), "a=b");
        assert_eq!(FieldSelector::everything(), FieldSelector::default());
    }

    #[test]
    fn escapes_in_values() {
        let parsed = FieldSelector::parse(r"a=b\,c,d=e\=f,g=h\\i").unwrap();
        let values: Vec<&str> = parsed
            .requirements()
            .iter()
            .map(FieldRequirement::value)
            .collect();
        assert_eq!(values, ["b,c", "e=f", r"h\i"]);
        assert_eq!(parsed.to_string(), r"a=b\,c,d=e\=f,g=h\\i");
        // An escaped backslash before a comma does not escape the comma.
        let parsed = FieldSelector::parse(r"a=b\\,c=d").unwrap();
        assert_eq!(parsed.requirements().len(), 2);
        assert_eq!(parsed.requirements()[0].value(), r"b\");
        assert_eq!(escape_field_value(r"x\y,z=w"), r"x\\y\,z\=w");
        assert_eq!(unescape_field_value(r"x\\y\,z\=w").unwrap(), r"x\y,z=w");
        assert_eq!(unescape_field_value("plain").unwrap(), "plain");
    }

    #[test]
    fn parse_errors_carry_kubes_messages() {
        assert_eq!(
            parse_error("a"),
            "invalid selector: 'a'; can't understand 'a'"
        );
        assert_eq!(
            parse_error("x=1,a"),
            "invalid selector: 'x=1,a'; can't understand 'a'"
        );
        assert_eq!(
            parse_error("a=b=c"),
            "invalid field selector: unescaped character in value: 61"
        );
        assert_eq!(
            parse_error("a===b"),
            "invalid field selector: unescaped character in value: 61"
        );
        assert_eq!(
            parse_error(r"a=b\x"),
            r"invalid field selector: invalid escape sequence: \x"
        );
        assert_eq!(
            parse_error(r"a=b\"),
            r"invalid field selector: invalid escape sequence: \"
        );
        assert_eq!(
            unescape_field_value("a,b").unwrap_err().to_string(),
            "invalid field selector: unescaped character in value: 44"
        );
        assert!(matches!(
            FieldSelector::parse("a").unwrap_err(),
            SelectorError::InvalidFieldSelector(_)
        ));
    }

    #[test]
    fn exact_match_lookup() {
        let parsed = FieldSelector::parse("metadata.name=x,metadata.namespace!=y").unwrap();
        assert_eq!(parsed.requires_exact_match("metadata.name"), Some("x"));
        assert_eq!(parsed.requires_exact_match("metadata.namespace"), None);
        assert_eq!(parsed.requires_exact_match("spec.nodeName"), None);
        let parsed = FieldSelector::parse("metadata.name!=y,metadata.name==x").unwrap();
        assert_eq!(parsed.requires_exact_match("metadata.name"), Some("x"));
        assert_eq!(
            FieldSelector::everything().requires_exact_match("metadata.name"),
            None
        );
    }

    #[test]
    fn matching_treats_missing_as_empty() {
        let parsed = FieldSelector::parse("a=x,b!=y,c=").unwrap();
        let lookup = |field: &str| match field {
            "a" => Some("x".to_owned()),
            _ => None,
        };
        assert!(parsed.matches(lookup));
        assert!(!parsed.matches(|_| None));
        assert!(!FieldSelector::parse("b!=").unwrap().matches(|_| None));
        let built = FieldSelector::from_requirements([(
            "a".to_owned(),
            FieldOperator::NotEquals,
            "x,y".to_owned(),
        )]);
        assert_eq!(built.to_string(), r"a!=x\,y");
        assert!(built.matches(|_| Some("x".to_owned())));
    }

    #[test]
    fn pod_fields() {
        let pod = json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "p", "namespace": "ns"},
            "spec": {"nodeName": "n1", "restartPolicy": "Always", "schedulerName": "s",
                     "serviceAccount": "legacy", "hostNetwork": true},
            "status": {"phase": "Running", "podIP": "10.0.0.9",
                       "podIPs": [{"ip": "10.0.0.1"}, {"ip": "fd00::1"}],
                       "nominatedNodeName": "n2"},
        });
        for (field, expected) in [
            ("metadata.name", Some("p")),
            ("metadata.namespace", Some("ns")),
            ("spec.nodeName", Some("n1")),
            ("spec.host", Some("n1")),
            ("spec.restartPolicy", Some("Always")),
            ("spec.schedulerName", Some("s")),
            ("spec.serviceAccountName", Some("legacy")),
            ("spec.hostNetwork", Some("true")),
            ("status.phase", Some("Running")),
            ("status.podIP", Some("10.0.0.1")),
            ("status.podIPs", None),
            ("status.nominatedNodeName", Some("n2")),
        ] {
            assert_eq!(
                value("", "Pod", &pod, field).as_deref(),
                expected,
                "{field}"
            );
        }
        let bare = json!({"metadata": {"name": "p", "namespace": "ns"},
                          "spec": {"serviceAccountName": "sa", "serviceAccount": "old"},
                          "status": {"podIP": "10.1.1.1"}});
        assert_eq!(
            value("", "Pod", &bare, "spec.hostNetwork").as_deref(),
            Some("false")
        );
        assert_eq!(
            value("", "Pod", &bare, "spec.nodeName").as_deref(),
            Some("")
        );
        assert_eq!(value("", "Pod", &bare, "status.phase").as_deref(), Some(""));
        assert_eq!(
            value("", "Pod", &bare, "status.podIP").as_deref(),
            Some("10.1.1.1")
        );
        assert_eq!(
            value("", "Pod", &bare, "spec.serviceAccountName").as_deref(),
            Some("sa")
        );
        assert_eq!(
            refusal("", "Pod", "status.hostIP"),
            "field label not supported: status.hostIP"
        );
        assert_eq!(
            refusal("", "Pod", "spec.nodename"),
            "field label not supported: spec.nodename"
        );
        assert_eq!(refusal("", "Pod", ""), "field label not supported: ");
    }

    #[test]
    fn event_fields_in_both_shapes() {
        let core = json!({
            "apiVersion": "v1", "kind": "Event",
            "metadata": {"name": "e", "namespace": "ns"},
            "involvedObject": {"kind": "Pod", "namespace": "ns", "name": "p", "uid": "u1",
                               "apiVersion": "v1", "resourceVersion": "7",
                               "fieldPath": "spec.containers{c}"},
            "reason": "Started", "type": "Normal", "reportingComponent": "kubelet",
            "source": {"component": "kubelet-src"},
        });
        for (field, expected) in [
            ("involvedObject.kind", "Pod"),
            ("involvedObject.namespace", "ns"),
            ("involvedObject.name", "p"),
            ("involvedObject.uid", "u1"),
            ("involvedObject.apiVersion", "v1"),
            ("involvedObject.resourceVersion", "7"),
            ("involvedObject.fieldPath", "spec.containers{c}"),
            ("reason", "Started"),
            ("type", "Normal"),
            ("reportingComponent", "kubelet"),
            ("source", "kubelet-src"),
            ("metadata.name", "e"),
        ] {
            assert_eq!(
                value("", "Event", &core, field).as_deref(),
                Some(expected),
                "{field}"
            );
        }
        // source falls back to the reporting component.
        let no_source = json!({"apiVersion": "v1", "reportingComponent": "ctrl"});
        assert_eq!(
            value("", "Event", &no_source, "source").as_deref(),
            Some("ctrl")
        );

        let events = json!({
            "apiVersion": "events.k8s.io/v1", "kind": "Event",
            "metadata": {"name": "e", "namespace": "ns"},
            "regarding": {"kind": "Deployment", "name": "d"},
            "reason": "Scaled", "type": "Warning", "reportingController": "dc",
        });
        for (field, expected) in [
            ("regarding.kind", "Deployment"),
            ("regarding.name", "d"),
            ("regarding.uid", ""),
            ("reportingController", "dc"),
            ("source", "dc"),
            ("reason", "Scaled"),
            ("type", "Warning"),
        ] {
            assert_eq!(
                value("events.k8s.io", "Event", &events, field).as_deref(),
                Some(expected),
                "{field}"
            );
        }
        // A core-shaped object served through events.k8s.io is read in its own shape.
        assert_eq!(
            value("events.k8s.io", "Event", &core, "regarding.name").as_deref(),
            Some("p")
        );
        assert_eq!(
            value("events.k8s.io", "Event", &core, "reportingController").as_deref(),
            Some("kubelet")
        );
        // Without apiVersion, the group decides.
        let unlabelled = json!({"regarding": {"name": "r"}, "involvedObject": {"name": "i"}});
        assert_eq!(
            value("events.k8s.io", "Event", &unlabelled, "regarding.name").as_deref(),
            Some("r")
        );
        assert_eq!(
            value("", "Event", &unlabelled, "involvedObject.name").as_deref(),
            Some("i")
        );
        assert_eq!(
            refusal("events.k8s.io", "Event", "involvedObject.kind"),
            "field label not supported: involvedObject.kind"
        );
        assert_eq!(
            refusal("", "Event", "regarding.kind"),
            "field label not supported: regarding.kind"
        );
        assert_eq!(
            refusal("", "Event", "message"),
            "field label not supported: message"
        );
    }

    #[test]
    fn other_builtin_kinds() {
        let node = json!({"metadata": {"name": "n"}, "spec": {"unschedulable": true}});
        assert_eq!(
            value("", "Node", &node, "spec.unschedulable").as_deref(),
            Some("true")
        );
        assert_eq!(
            value("", "Node", &json!({}), "spec.unschedulable").as_deref(),
            Some("false")
        );
        assert_eq!(
            value("", "Node", &node, "metadata.name").as_deref(),
            Some("n")
        );
        let namespace = json!({"metadata": {"name": "ns"}, "status": {"phase": "Terminating"}});
        assert_eq!(
            value("", "Namespace", &namespace, "status.phase").as_deref(),
            Some("Terminating")
        );
        let secret = json!({"metadata": {"name": "s", "namespace": "n"},
                            "type": "kubernetes.io/tls"});
        assert_eq!(
            value("", "Secret", &secret, "type").as_deref(),
            Some("kubernetes.io/tls")
        );
        let service = json!({"spec": {"clusterIP": "None", "type": "ClusterIP"}});
        assert_eq!(
            value("", "Service", &service, "spec.clusterIP").as_deref(),
            Some("None")
        );
        assert_eq!(
            value("", "Service", &service, "spec.type").as_deref(),
            Some("ClusterIP")
        );
        let rc = json!({"status": {"replicas": 3}});
        assert_eq!(
            value("", "ReplicationController", &rc, "status.replicas").as_deref(),
            Some("3")
        );
        assert_eq!(
            value("", "ReplicationController", &json!({}), "status.replicas").as_deref(),
            Some("0")
        );
        let job = json!({"status": {"succeeded": 2, "active": 1}});
        assert_eq!(
            value("batch", "Job", &job, "status.successful").as_deref(),
            Some("2")
        );
        assert_eq!(
            value("batch", "Job", &json!({}), "status.successful").as_deref(),
            Some("0")
        );
        let csr = json!({"metadata": {"name": "c"},
                         "spec": {"signerName": "kubernetes.io/kube-apiserver-client"}});
        assert_eq!(
            value(
                "certificates.k8s.io",
                "CertificateSigningRequest",
                &csr,
                "spec.signerName"
            )
            .as_deref(),
            Some("kubernetes.io/kube-apiserver-client")
        );
        let config_map = json!({"metadata": {"name": "cm", "namespace": "d"}});
        assert_eq!(
            value("", "ConfigMap", &config_map, "metadata.namespace").as_deref(),
            Some("d")
        );
        // A cluster-scoped object has no namespace in its field set.
        assert_eq!(
            value(
                "rbac.authorization.k8s.io",
                "ClusterRole",
                &json!({"metadata": {"name": "r"}}),
                "metadata.namespace"
            ),
            None
        );
    }

    #[test]
    fn unsupported_fields_per_kind() {
        let unknown = |field: &str| {
            format!(
                "\"{field}\" is not a known field selector: only \"metadata.name\", \
                 \"metadata.namespace\""
            )
        };
        for (group, kind, field, message) in [
            ("", "ConfigMap", "data.x", unknown("data.x")),
            (
                "networking.k8s.io",
                "Ingress",
                "foo.bar",
                unknown("foo.bar"),
            ),
            // apps/v1 registers no conversion, so kube refuses status.replicas for ReplicaSets.
            (
                "apps",
                "ReplicaSet",
                "status.replicas",
                unknown("status.replicas"),
            ),
            (
                "apps",
                "Deployment",
                "spec.replicas",
                unknown("spec.replicas"),
            ),
            (
                "batch",
                "CronJob",
                "status.successful",
                unknown("status.successful"),
            ),
            (
                "",
                "Namespace",
                "metadata.namespace",
                "field label not supported: metadata.namespace".to_owned(),
            ),
            (
                "",
                "Node",
                "metadata.namespace",
                "field label not supported: metadata.namespace".to_owned(),
            ),
            (
                "",
                "Node",
                "spec.podCIDR",
                "field label not supported: spec.podCIDR".to_owned(),
            ),
            (
                "",
                "Secret",
                "data",
                "field label not supported: data".to_owned(),
            ),
            (
                "",
                "Service",
                "spec.ports",
                "field label not supported: spec.ports".to_owned(),
            ),
            (
                "",
                "ReplicationController",
                "spec.replicas",
                "field label not supported: spec.replicas".to_owned(),
            ),
            (
                "certificates.k8s.io",
                "CertificateSigningRequest",
                "metadata.namespace",
                "field label not supported: metadata.namespace".to_owned(),
            ),
            (
                "batch",
                "Job",
                "status.active",
                "field label \"status.active\" not supported for batchv1.Job".to_owned(),
            ),
        ] {
            assert_eq!(
                refusal(group, kind, field),
                message,
                "{group}/{kind} {field}"
            );
        }
        assert_eq!(
            supported_field_labels("", "ConfigMap"),
            ["metadata.name", "metadata.namespace"]
        );
        assert!(supported_field_labels("", "Pod").contains(&"status.podIPs"));
        assert!(!supported_field_labels("", "Node").contains(&"metadata.namespace"));
    }

    #[test]
    fn check_reports_the_first_unsupported_term_in_kubes_order() {
        let parsed = FieldSelector::parse("z=1,spec.nodeName=n,a=2").unwrap();
        assert_eq!(
            parsed.check("", "Pod").unwrap_err().to_string(),
            "field label not supported: a"
        );
        assert!(
            FieldSelector::parse("spec.nodeName=n,metadata.name=p")
                .unwrap()
                .check("", "Pod")
                .is_ok()
        );
        assert!(FieldSelector::everything().check("", "Node").is_ok());
    }

    #[test]
    fn objects_match_end_to_end() {
        let running = json!({"metadata": {"name": "a", "namespace": "d"},
                             "spec": {"restartPolicy": "Always"},
                             "status": {"phase": "Running"}});
        let pending = json!({"metadata": {"name": "b", "namespace": "d"},
                             "spec": {"restartPolicy": "Always"},
                             "status": {"phase": "Pending"}});
        let selector =
            FieldSelector::parse("status.phase!=Running,spec.restartPolicy=Always").unwrap();
        assert!(!selector.matches_object("", "Pod", &running).unwrap());
        assert!(selector.matches_object("", "Pod", &pending).unwrap());
        // podIPs is accepted but never has a value.
        let pod_ips = FieldSelector::parse("status.podIPs=").unwrap();
        assert!(pod_ips.matches_object("", "Pod", &running).unwrap());
        assert!(
            !FieldSelector::parse("status.podIPs=10.0.0.1")
                .unwrap()
                .matches_object("", "Pod", &running)
                .unwrap()
        );
        assert_eq!(
            FieldSelector::parse("status.hostIP=1")
                .unwrap()
                .matches_object("", "Pod", &running)
                .unwrap_err(),
            SelectorError::FieldLabelNotSupported("status.hostIP".to_owned())
        );
        let by_name = FieldSelector::parse("metadata.name=a").unwrap();
        assert!(by_name.matches_object("", "ConfigMap", &running).unwrap());
        assert!(!by_name.matches_object("", "ConfigMap", &pending).unwrap());
        // metadata.namespace on a cluster-scoped kind matches only the empty namespace.
        let node = json!({"metadata": {"name": "n"}});
        assert!(
            FieldSelector::parse("metadata.namespace=")
                .unwrap()
                .matches_object("storage.k8s.io", "StorageClass", &node)
                .unwrap()
        );
        assert!(
            !FieldSelector::parse("metadata.namespace=x")
                .unwrap()
                .matches_object("storage.k8s.io", "StorageClass", &node)
                .unwrap()
        );
    }

    #[test]
    fn custom_resources_allow_their_selectable_fields() {
        let widget = json!({
            "apiVersion": "example.com/v1", "kind": "Widget",
            "metadata": {"name": "w", "namespace": "d"},
            "spec": {"color": "blue", "size": 3, "shiny": false, "nested": {"deep": "x"}},
        });
        let selectable = [
            ".spec.color",
            "spec.size",
            ".spec.shiny",
            ".spec.nested.deep",
            ".spec.missing",
        ];
        for (field, expected) in [
            ("metadata.name", Some("w")),
            ("metadata.namespace", Some("d")),
            ("spec.color", Some("blue")),
            ("spec.size", Some("3")),
            ("spec.shiny", Some("false")),
            ("spec.nested.deep", Some("x")),
            ("spec.missing", Some("")),
        ] {
            assert_eq!(
                custom_field_value(&widget, field, true, &selectable)
                    .unwrap()
                    .as_deref(),
                expected,
                "{field}"
            );
        }
        assert_eq!(
            custom_field_value(&widget, "spec.other", true, &selectable)
                .unwrap_err()
                .to_string(),
            "field label not supported: spec.other"
        );
        assert_eq!(
            custom_field_value(&widget, "metadata.namespace", false, NONE)
                .unwrap_err()
                .to_string(),
            "field label not supported: metadata.namespace"
        );
        let selector = FieldSelector::parse("spec.color=blue,spec.size!=4").unwrap();
        assert!(
            selector
                .matches_custom_object(&widget, true, &selectable)
                .unwrap()
        );
        assert!(selector.check_custom(true, NONE).is_err());
        let owned: Vec<String> = vec![".spec.color".to_owned(), ".spec.size".to_owned()];
        assert!(selector.check_custom(false, &owned).is_ok());
        assert!(
            !FieldSelector::parse("spec.color=red")
                .unwrap()
                .matches_custom_object(&widget, true, &owned)
                .unwrap()
        );
    }
}
