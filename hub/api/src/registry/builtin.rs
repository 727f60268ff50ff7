//! The built-in resources, with kube-apiserver's names, scopes, short names, categories,
//! subresources and verbs.

use super::{ALL_VERBS, ResourceDef, SUBRESOURCE_VERBS, ScaleDef, SubresourceDef};

/// Every built-in resource, grouped by group version; the first version of a group is preferred.
#[allow(clippy::vec_init_then_push)] // one push per resource reads as the list it is
pub fn resources() -> Vec<ResourceDef> {
    let mut out = Vec::new();
    // core/v1
    out.push(
        def("", "v1", "namespaces", "Namespace", Scope::Cluster)
            .short(&["ns"])
            .status()
            .sub("finalize", "", "v1", "Namespace", &["update"])
            .build(),
    );
    out.push(
        def("", "v1", "configmaps", "ConfigMap", Scope::Namespaced)
            .short(&["cm"])
            .build(),
    );
    out.push(def("", "v1", "secrets", "Secret", Scope::Namespaced).build());
    out.push(
        def("", "v1", "services", "Service", Scope::Namespaced)
            .short(&["svc"])
            .all()
            .status()
            .build(),
    );
    out.push(
        def(
            "",
            "v1",
            "serviceaccounts",
            "ServiceAccount",
            Scope::Namespaced,
        )
        .short(&["sa"])
        .sub(
            "token",
            "authentication.k8s.io",
            "v1",
            "TokenRequest",
            &["create"],
        )
        .build(),
    );
    out.push(
        def("", "v1", "pods", "Pod", Scope::Namespaced)
            .short(&["po"])
            .all()
            .status()
            .generation()
            .build(),
    );
    out.push(
        def("", "v1", "nodes", "Node", Scope::Cluster)
            .short(&["no"])
            .status()
            .build(),
    );
    out.push(
        def("", "v1", "events", "Event", Scope::Namespaced)
            .short(&["ev"])
            .build(),
    );
    out.push(
        def("", "v1", "endpoints", "Endpoints", Scope::Namespaced)
            .short(&["ep"])
            .build(),
    );
    out.push(
        def(
            "",
            "v1",
            "persistentvolumeclaims",
            "PersistentVolumeClaim",
            Scope::Namespaced,
        )
        .short(&["pvc"])
        .status()
        .build(),
    );
    out.push(
        def(
            "",
            "v1",
            "persistentvolumes",
            "PersistentVolume",
            Scope::Cluster,
        )
        .short(&["pv"])
        .status()
        .build(),
    );
    out.push(
        def(
            "",
            "v1",
            "resourcequotas",
            "ResourceQuota",
            Scope::Namespaced,
        )
        .short(&["quota"])
        .status()
        .build(),
    );
    out.push(
        def("", "v1", "limitranges", "LimitRange", Scope::Namespaced)
            .short(&["limits"])
            .build(),
    );
    out.push(
        def(
            "",
            "v1",
            "replicationcontrollers",
            "ReplicationController",
            Scope::Namespaced,
        )
        .short(&["rc"])
        .all()
        .status()
        .scale(".spec.selector")
        .generation()
        .build(),
    );
    out.push(def("", "v1", "podtemplates", "PodTemplate", Scope::Namespaced).build());
    // apps/v1
    out.push(
        def("apps", "v1", "deployments", "Deployment", Scope::Namespaced)
            .short(&["deploy"])
            .all()
            .status()
            .scale(".spec.selector")
            .generation()
            .build(),
    );
    out.push(
        def("apps", "v1", "replicasets", "ReplicaSet", Scope::Namespaced)
            .short(&["rs"])
            .all()
            .status()
            .scale(".spec.selector")
            .generation()
            .build(),
    );
    out.push(
        def(
            "apps",
            "v1",
            "statefulsets",
            "StatefulSet",
            Scope::Namespaced,
        )
        .short(&["sts"])
        .all()
        .status()
        .scale(".spec.selector")
        .generation()
        .build(),
    );
    out.push(
        def("apps", "v1", "daemonsets", "DaemonSet", Scope::Namespaced)
            .short(&["ds"])
            .all()
            .status()
            .generation()
            .build(),
    );
    out.push(
        def(
            "apps",
            "v1",
            "controllerrevisions",
            "ControllerRevision",
            Scope::Namespaced,
        )
        .build(),
    );
    // batch/v1
    out.push(
        def("batch", "v1", "jobs", "Job", Scope::Namespaced)
            .all()
            .status()
            .generation()
            .build(),
    );
    out.push(
        def("batch", "v1", "cronjobs", "CronJob", Scope::Namespaced)
            .short(&["cj"])
            .all()
            .status()
            .generation()
            .build(),
    );
    // autoscaling/v2 (stored) and v1 (kubectl autoscale), sharing storage
    out.push(
        def(
            "autoscaling",
            "v2",
            "horizontalpodautoscalers",
            "HorizontalPodAutoscaler",
            Scope::Namespaced,
        )
        .short(&["hpa"])
        .all()
        .status()
        .generation()
        .build(),
    );
    out.push(
        def(
            "autoscaling",
            "v1",
            "horizontalpodautoscalers",
            "HorizontalPodAutoscaler",
            Scope::Namespaced,
        )
        .short(&["hpa"])
        .all()
        .status()
        .generation()
        .build(),
    );
    // networking.k8s.io/v1
    out.push(
        def(
            "networking.k8s.io",
            "v1",
            "ingresses",
            "Ingress",
            Scope::Namespaced,
        )
        .short(&["ing"])
        .status()
        .generation()
        .build(),
    );
    out.push(
        def(
            "networking.k8s.io",
            "v1",
            "networkpolicies",
            "NetworkPolicy",
            Scope::Namespaced,
        )
        .short(&["netpol"])
        .generation()
        .build(),
    );
    out.push(
        def(
            "networking.k8s.io",
            "v1",
            "ingressclasses",
            "IngressClass",
            Scope::Cluster,
        )
        .build(),
    );
    // policy/v1
    out.push(
        def(
            "policy",
            "v1",
            "poddisruptionbudgets",
            "PodDisruptionBudget",
            Scope::Namespaced,
        )
        .short(&["pdb"])
        .status()
        .generation()
        .build(),
    );
    // coordination.k8s.io/v1
    out.push(
        def(
            "coordination.k8s.io",
            "v1",
            "leases",
            "Lease",
            Scope::Namespaced,
        )
        .build(),
    );
    // discovery.k8s.io/v1
    out.push(
        def(
            "discovery.k8s.io",
            "v1",
            "endpointslices",
            "EndpointSlice",
            Scope::Namespaced,
        )
        .build(),
    );
    // events.k8s.io/v1
    out.push(
        def("events.k8s.io", "v1", "events", "Event", Scope::Namespaced)
            .short(&["ev"])
            .build(),
    );
    // rbac.authorization.k8s.io/v1
    out.push(
        def(
            "rbac.authorization.k8s.io",
            "v1",
            "roles",
            "Role",
            Scope::Namespaced,
        )
        .build(),
    );
    out.push(
        def(
            "rbac.authorization.k8s.io",
            "v1",
            "rolebindings",
            "RoleBinding",
            Scope::Namespaced,
        )
        .build(),
    );
    out.push(
        def(
            "rbac.authorization.k8s.io",
            "v1",
            "clusterroles",
            "ClusterRole",
            Scope::Cluster,
        )
        .build(),
    );
    out.push(
        def(
            "rbac.authorization.k8s.io",
            "v1",
            "clusterrolebindings",
            "ClusterRoleBinding",
            Scope::Cluster,
        )
        .build(),
    );
    // certificates.k8s.io/v1
    out.push(
        def(
            "certificates.k8s.io",
            "v1",
            "certificatesigningrequests",
            "CertificateSigningRequest",
            Scope::Cluster,
        )
        .short(&["csr"])
        .status()
        .sub(
            "approval",
            "certificates.k8s.io",
            "v1",
            "CertificateSigningRequest",
            SUBRESOURCE_VERBS,
        )
        .build(),
    );
    // scheduling.k8s.io/v1
    out.push(
        def(
            "scheduling.k8s.io",
            "v1",
            "priorityclasses",
            "PriorityClass",
            Scope::Cluster,
        )
        .short(&["pc"])
        .build(),
    );
    // storage.k8s.io/v1
    out.push(
        def(
            "storage.k8s.io",
            "v1",
            "storageclasses",
            "StorageClass",
            Scope::Cluster,
        )
        .short(&["sc"])
        .build(),
    );
    // authentication.k8s.io/v1 and authorization.k8s.io/v1: reviews, created and answered,
    // never stored.
    for (group, resource, kind, scope) in [
        (
            "authentication.k8s.io",
            "tokenreviews",
            "TokenReview",
            Scope::Cluster,
        ),
        (
            "authentication.k8s.io",
            "selfsubjectreviews",
            "SelfSubjectReview",
            Scope::Cluster,
        ),
        (
            "authorization.k8s.io",
            "selfsubjectaccessreviews",
            "SelfSubjectAccessReview",
            Scope::Cluster,
        ),
        (
            "authorization.k8s.io",
            "selfsubjectrulesreviews",
            "SelfSubjectRulesReview",
            Scope::Cluster,
        ),
        (
            "authorization.k8s.io",
            "subjectaccessreviews",
            "SubjectAccessReview",
            Scope::Cluster,
        ),
        (
            "authorization.k8s.io",
            "localsubjectaccessreviews",
            "LocalSubjectAccessReview",
            Scope::Namespaced,
        ),
    ] {
        out.push(
            def(group, "v1", resource, kind, scope)
                .verbs(&["create"])
                .build(),
        );
    }
    // apiextensions.k8s.io/v1
    out.push(
        def(
            "apiextensions.k8s.io",
            "v1",
            "customresourcedefinitions",
            "CustomResourceDefinition",
            Scope::Cluster,
        )
        .short(&["crd", "crds"])
        .status()
        .generation()
        .build(),
    );
    // tenancy.nave.dev/v1alpha1
    out.push(
        def(
            crate::tenancy::GROUP,
            crate::tenancy::VERSION,
            crate::tenancy::RESOURCE,
            crate::tenancy::KIND,
            Scope::Cluster,
        )
        .short(&["ws"])
        .status()
        .generation()
        .build(),
    );
    out
}

enum Scope {
    Namespaced,
    Cluster,
}

struct Builder(ResourceDef);

fn def(group: &str, version: &str, resource: &str, kind: &str, scope: Scope) -> Builder {
    Builder(ResourceDef {
        group: group.to_owned(),
        version: version.to_owned(),
        resource: resource.to_owned(),
        singular: kind.to_lowercase(),
        kind: kind.to_owned(),
        list_kind: format!("{kind}List"),
        namespaced: matches!(scope, Scope::Namespaced),
        short_names: Vec::new(),
        categories: Vec::new(),
        verbs: ALL_VERBS.iter().map(|verb| (*verb).to_owned()).collect(),
        subresources: Vec::new(),
        // Resources share storage across versions; events.k8s.io events are core events.
        storage_group: if group.is_empty() || (group == "events.k8s.io") {
            "core".to_owned()
        } else {
            group.to_owned()
        },
        storage_resource: resource.to_owned(),
        generation: false,
        scale: None,
    })
}

impl Builder {
    fn short(mut self, names: &[&str]) -> Self {
        self.0.short_names = names.iter().map(|name| (*name).to_owned()).collect();
        self
    }

    fn all(mut self) -> Self {
        self.0.categories.push("all".to_owned());
        self
    }

    fn generation(mut self) -> Self {
        self.0.generation = true;
        self
    }

    fn status(self) -> Self {
        let (group, version, kind) = (
            self.0.group.clone(),
            self.0.version.clone(),
            self.0.kind.clone(),
        );
        self.sub("status", &group, &version, &kind, SUBRESOURCE_VERBS)
    }

    fn scale(mut self, selector: &str) -> Self {
        self.0.scale = Some(ScaleDef {
            spec_replicas: ".spec.replicas".to_owned(),
            status_replicas: ".status.replicas".to_owned(),
            label_selector: Some(selector.to_owned()),
        });
        self.sub("scale", "autoscaling", "v1", "Scale", SUBRESOURCE_VERBS)
    }

    fn verbs(mut self, verbs: &[&str]) -> Self {
        self.0.verbs = verbs.iter().map(|verb| (*verb).to_owned()).collect();
        self
    }

    fn sub(mut self, name: &str, group: &str, version: &str, kind: &str, verbs: &[&str]) -> Self {
        self.0.subresources.push(SubresourceDef {
            name: name.to_owned(),
            group: group.to_owned(),
            version: version.to_owned(),
            kind: kind.to_owned(),
            verbs: verbs.iter().map(|verb| (*verb).to_owned()).collect(),
        });
        self
    }

    fn build(self) -> ResourceDef {
        self.0
    }
}
