//! The shapes of the Kubernetes objects the chart takes verbatim (tolerations, affinities), as
//! data: validation walks them and `schema` prints them, so both follow the Kubernetes API.

#[derive(Debug)]
pub enum Shape {
    String,
    Int,
    /// An integer from 1 to 100 (scheduling weights).
    Weight,
    Strings,
    StringMap,
    Labels,
    /// A Kubernetes quantity (`10Gi`, `500m`, `2`), as a string or a number.
    Quantity,
    /// A map whose values all have this shape.
    MapOf(&'static Shape),
    /// One of these strings; the noun (with its article) names one in messages.
    Enum(&'static str, &'static [&'static str]),
    List(&'static Shape),
    Object(&'static [Field]),
}

#[derive(Debug)]
pub struct Field {
    pub name: &'static str,
    pub shape: &'static Shape,
    pub required: bool,
}

const fn field(name: &'static str, shape: &'static Shape) -> Field {
    Field {
        name,
        shape,
        required: false,
    }
}

const fn required(name: &'static str, shape: &'static Shape) -> Field {
    Field {
        name,
        shape,
        required: true,
    }
}

static STRING: Shape = Shape::String;
static INT: Shape = Shape::Int;
static WEIGHT: Shape = Shape::Weight;
static STRINGS: Shape = Shape::Strings;
static LABELS: Shape = Shape::Labels;

pub const LABEL_OPERATORS: &[&str] = &["In", "NotIn", "Exists", "DoesNotExist"];
pub const NODE_OPERATORS: &[&str] = &["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"];
pub const TOLERATION_OPERATORS: &[&str] = &["Exists", "Equal"];
pub const TAINT_EFFECTS: &[&str] = &["NoSchedule", "PreferNoSchedule", "NoExecute"];

/// Kubernetes reads an empty toleration operator as Equal and an empty effect as "all effects".
pub fn empty_allowed(values: &[&str]) -> bool {
    values == TOLERATION_OPERATORS || values == TAINT_EFFECTS
}

static NODE_OPERATOR: Shape = Shape::Enum("a node selector operator", NODE_OPERATORS);
static LABEL_OPERATOR: Shape = Shape::Enum("a label selector operator", LABEL_OPERATORS);
static TOLERATION_OPERATOR: Shape = Shape::Enum("a toleration operator", TOLERATION_OPERATORS);
static TAINT_EFFECT: Shape = Shape::Enum("a taint effect", TAINT_EFFECTS);

static NODE_REQUIREMENT: Shape = Shape::Object(&[
    required("key", &STRING),
    required("operator", &NODE_OPERATOR),
    field("values", &STRINGS),
]);
static NODE_REQUIREMENTS: Shape = Shape::List(&NODE_REQUIREMENT);
static NODE_SELECTOR_TERM: Shape = Shape::Object(&[
    field("matchExpressions", &NODE_REQUIREMENTS),
    field("matchFields", &NODE_REQUIREMENTS),
]);
static NODE_SELECTOR_TERMS: Shape = Shape::List(&NODE_SELECTOR_TERM);
static NODE_SELECTOR: Shape = Shape::Object(&[required("nodeSelectorTerms", &NODE_SELECTOR_TERMS)]);
static PREFERRED_SCHEDULING_TERM: Shape = Shape::Object(&[
    required("weight", &WEIGHT),
    required("preference", &NODE_SELECTOR_TERM),
]);
static PREFERRED_SCHEDULING_TERMS: Shape = Shape::List(&PREFERRED_SCHEDULING_TERM);
static NODE_AFFINITY: Shape = Shape::Object(&[
    field(
        "requiredDuringSchedulingIgnoredDuringExecution",
        &NODE_SELECTOR,
    ),
    field(
        "preferredDuringSchedulingIgnoredDuringExecution",
        &PREFERRED_SCHEDULING_TERMS,
    ),
]);

static LABEL_REQUIREMENT: Shape = Shape::Object(&[
    required("key", &STRING),
    required("operator", &LABEL_OPERATOR),
    field("values", &STRINGS),
]);
static LABEL_REQUIREMENTS: Shape = Shape::List(&LABEL_REQUIREMENT);
static LABEL_SELECTOR: Shape = Shape::Object(&[
    field("matchLabels", &LABELS),
    field("matchExpressions", &LABEL_REQUIREMENTS),
]);
static POD_AFFINITY_TERM: Shape = Shape::Object(&[
    field("labelSelector", &LABEL_SELECTOR),
    field("namespaceSelector", &LABEL_SELECTOR),
    field("namespaces", &STRINGS),
    required("topologyKey", &STRING),
    field("matchLabelKeys", &STRINGS),
    field("mismatchLabelKeys", &STRINGS),
]);
static POD_AFFINITY_TERMS: Shape = Shape::List(&POD_AFFINITY_TERM);
static WEIGHTED_POD_AFFINITY_TERM: Shape = Shape::Object(&[
    required("weight", &WEIGHT),
    required("podAffinityTerm", &POD_AFFINITY_TERM),
]);
static WEIGHTED_POD_AFFINITY_TERMS: Shape = Shape::List(&WEIGHTED_POD_AFFINITY_TERM);
static POD_AFFINITY: Shape = Shape::Object(&[
    field(
        "requiredDuringSchedulingIgnoredDuringExecution",
        &POD_AFFINITY_TERMS,
    ),
    field(
        "preferredDuringSchedulingIgnoredDuringExecution",
        &WEIGHTED_POD_AFFINITY_TERMS,
    ),
]);

/// `core/v1 Affinity`.
pub static AFFINITY: Shape = Shape::Object(&[
    field("nodeAffinity", &NODE_AFFINITY),
    field("podAffinity", &POD_AFFINITY),
    field("podAntiAffinity", &POD_AFFINITY),
]);

/// `core/v1 Toleration`.
pub static TOLERATION: Shape = Shape::Object(&[
    field("key", &STRING),
    field("operator", &TOLERATION_OPERATOR),
    field("value", &STRING),
    field("effect", &TAINT_EFFECT),
    field("tolerationSeconds", &INT),
]);

pub static TOLERATIONS: Shape = Shape::List(&TOLERATION);

static QUANTITY: Shape = Shape::Quantity;
static QUANTITIES: Shape = Shape::MapOf(&QUANTITY);

/// `core/v1 ResourceRequirements` as values files give it: `limits` and `requests`.
pub static RESOURCES: Shape =
    Shape::Object(&[field("limits", &QUANTITIES), field("requests", &QUANTITIES)]);
