package dev.coldbrew.api.validation;

import dev.coldbrew.api.model.Route;
import dev.coldbrew.api.model.TrafficTarget;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Validates a Route, and the traffic block of every Service (Knative's {@code
 * route_validation.go}). Thread-safe (stateless).
 */
final class RouteValidator {
  private RouteValidator() {}

  static void validate(Route r, List<FieldError> errors) {
    MetadataValidator.objectMeta(r.metadata, null, errors);
    if (r.spec == null || r.spec.traffic == null || r.spec.traffic.isEmpty()) {
      errors.add(FieldError.missing("spec.traffic"));
      return;
    }
    traffic(r.spec.traffic, null, errors);
  }

  /**
   * A traffic block at {@code spec.traffic}. {@code serviceName} is set when the block belongs to a
   * Service, whose targets refer to its own configuration and revisions; null for a Route. Inside a
   * Service, {@code generateName} leaves the name unknown: pass "".
   */
  static void traffic(List<TrafficTarget> traffic, String serviceName, List<FieldError> errors) {
    boolean inService = serviceName != null;
    long sum = 0;
    Map<String, Integer> tags = new HashMap<>();
    for (int i = 0; i < traffic.size(); i++) {
      String at = "spec.traffic[" + i + "]";
      TrafficTarget t = traffic.get(i);
      if (t == null) {
        errors.add(FieldError.invalid(at, null, "a traffic target"));
        continue;
      }
      if (t.percent != null) {
        if (t.percent < 0 || t.percent > 100) {
          errors.add(FieldError.invalid(at + ".percent", t.percent, "0..100"));
        }
        sum += t.percent;
      }
      if (!Names.isEmpty(t.tag)) {
        if (!Names.isDns1035Label(t.tag)) {
          errors.add(FieldError.invalid(at + ".tag", t.tag, Names.DNS1035_EXPECTED));
        }
        Integer first = tags.putIfAbsent(t.tag, i);
        if (first != null) {
          errors.add(
              FieldError.invalid(
                  at + ".tag", t.tag, "a unique tag (spec.traffic[" + first + "] has it already)"));
        }
      }
      boolean hasRevision = !Names.isEmpty(t.revisionName);
      boolean hasConfiguration = !Names.isEmpty(t.configurationName);
      if (hasRevision) {
        if (!Names.isDns1035Label(t.revisionName)) {
          errors.add(
              FieldError.invalid(at + ".revisionName", t.revisionName, Names.DNS1035_EXPECTED));
        } else if (inService
            && !serviceName.isEmpty()
            && !t.revisionName.startsWith(serviceName + "-")) {
          errors.add(
              FieldError.invalid(
                  at + ".revisionName",
                  t.revisionName,
                  "a revision of this service, named \"" + serviceName + "-...\""));
        }
        if (Boolean.TRUE.equals(t.latestRevision)) {
          errors.add(
              FieldError.invalid(
                  at + ".latestRevision", true, "false or unset when revisionName is set"));
        }
      } else if (Boolean.FALSE.equals(t.latestRevision)) {
        errors.add(
            FieldError.invalid(
                at + ".latestRevision",
                false,
                "true or unset when revisionName is unset (or set revisionName)"));
      }
      if (inService) {
        if (hasConfiguration) {
          errors.add(
              new FieldError(
                  at + ".configurationName",
                  "not allowed in a Service, whose traffic goes to its own configuration (expected:"
                      + " unset)"));
        }
      } else {
        if (hasConfiguration && !Names.isDns1035Label(t.configurationName)) {
          errors.add(
              FieldError.invalid(
                  at + ".configurationName", t.configurationName, Names.DNS1035_EXPECTED));
        }
        if (hasRevision == hasConfiguration) {
          errors.add(
              new FieldError(
                  at,
                  hasRevision
                      ? "both revisionName and configurationName are set (expected: exactly one)"
                      : "missing revisionName or configurationName (expected: exactly one)"));
        }
      }
      if (!Names.isEmpty(t.url)) {
        errors.add(new FieldError(at + ".url", "not allowed in spec; it is set in status"));
      }
    }
    if (sum != 100) {
      errors.add(new FieldError("spec.traffic", "traffic targets sum to " + sum + ", want 100"));
    }
  }
}
