package dev.coldbrew.api.validation;

import dev.coldbrew.api.model.DomainMapping;
import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.Route;
import java.util.List;

/**
 * Validates a DomainMapping (Knative's {@code domainmapping_validation.go} and its {@code
 * KReference}'s): the name is a domain outside the cluster's own, the reference names a Service or
 * Route of the mapping's own namespace, and TLS is refused since the gateway does not terminate it.
 * Thread-safe (stateless).
 */
final class DomainMappingValidator {
  /** What {@code spec.ref} may name. */
  static final String REF_KINDS = "Service or Route";

  private DomainMappingValidator() {}

  static void validate(DomainMapping dm, List<FieldError> errors) {
    var m = dm.metadata;
    if (m == null) {
      errors.add(FieldError.missing("metadata"));
      return;
    }
    if (!Names.isEmpty(m.generateName)) {
      errors.add(
          FieldError.invalid(
              "metadata.generateName",
              m.generateName,
              "unset: a DomainMapping's name is its domain"));
    }
    if (Names.isEmpty(m.name)) {
      errors.add(new FieldError("metadata.name", "missing required field (the domain)"));
    } else if (!Names.isDomain(m.name)) {
      errors.add(FieldError.invalid("metadata.name", m.name, Names.DOMAIN_EXPECTED));
    } else if (m.name.endsWith("." + Route.CLUSTER_DOMAIN)) {
      errors.add(
          FieldError.invalid(
              "metadata.name",
              m.name,
              "a domain outside the cluster's own " + Route.CLUSTER_DOMAIN));
    }
    MetadataValidator.namespaceLabelsAndAnnotations(m, null, errors);
    if (dm.spec == null || dm.spec.ref == null) {
      errors.add(FieldError.missing("spec.ref"));
    } else {
      ref(dm.spec.ref, m.namespace, errors);
    }
    if (dm.spec != null && dm.spec.tls != null) {
      errors.add(
          new FieldError(
              "spec.tls",
              "{secretName: "
                  + (dm.spec.tls.secretName == null ? "" : "\"" + dm.spec.tls.secretName + "\"")
                  + "} (expected: unset: the gateway does not terminate TLS; terminate it in front"
                  + " of Coldbrew)"));
    }
  }

  private static void ref(DomainMapping.Reference ref, String namespace, List<FieldError> errors) {
    String serving = Kind.SERVICE.apiVersion();
    if (Names.isEmpty(ref.apiVersion)) {
      errors.add(FieldError.missing("spec.ref.apiVersion"));
    } else if (!ref.apiVersion.equals(serving)
        && !ref.apiVersion.equals(Kind.COLDBREW_SERVING_GROUP + "/" + Kind.SERVICE.version())) {
      errors.add(FieldError.invalid("spec.ref.apiVersion", ref.apiVersion, serving));
    }
    if (Names.isEmpty(ref.kind)) {
      errors.add(FieldError.missing("spec.ref.kind"));
    } else if (!ref.kind.equals(Kind.SERVICE.kindName())
        && !ref.kind.equals(Kind.ROUTE.kindName())) {
      errors.add(FieldError.invalid("spec.ref.kind", ref.kind, REF_KINDS));
    }
    if (Names.isEmpty(ref.name)) {
      errors.add(FieldError.missing("spec.ref.name"));
    } else if (!Names.isDns1035Label(ref.name)) {
      errors.add(FieldError.invalid("spec.ref.name", ref.name, Names.DNS1035_EXPECTED));
    }
    if (!Names.isEmpty(ref.namespace) && !ref.namespace.equals(namespace)) {
      errors.add(
          FieldError.invalid(
              "spec.ref.namespace",
              ref.namespace,
              "\"" + namespace + "\", the DomainMapping's own namespace"));
    }
  }
}
