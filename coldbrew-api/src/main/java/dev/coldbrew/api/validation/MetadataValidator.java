package dev.coldbrew.api.validation;

import dev.coldbrew.api.autoscaling.AutoscalerConfig;
import dev.coldbrew.api.autoscaling.AutoscalingAnnotations;
import dev.coldbrew.api.codec.Durations;
import dev.coldbrew.api.model.ObjectMeta;
import dev.coldbrew.api.model.Route;
import dev.coldbrew.api.runtime.ContainerNetwork;
import dev.coldbrew.api.runtime.Engine;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Validates object and template metadata. Thread-safe (stateless). */
final class MetadataValidator {
  static final String PROGRESS_DEADLINE = "serving.knative.dev/progress-deadline";
  static final String ROLLOUT_DURATION = "serving.knative.dev/rollout-duration";

  private MetadataValidator() {}

  /**
   * The metadata of a resource a user writes: name or generateName, namespace, labels and
   * annotations. Autoscaling annotations belong to Revisions; on a Service, Configuration or Route
   * ({@code autoscaler == null}) they are rejected, on a Revision they are checked against {@code
   * autoscaler}.
   */
  static void objectMeta(ObjectMeta m, AutoscalerConfig autoscaler, List<FieldError> errors) {
    if (m == null) {
      errors.add(FieldError.missing("metadata"));
      return;
    }
    if (Names.isEmpty(m.name) && Names.isEmpty(m.generateName)) {
      errors.add(new FieldError("metadata.name", "missing required field (name or generateName)"));
    }
    if (!Names.isEmpty(m.name) && !Names.isDns1035Label(m.name)) {
      errors.add(FieldError.invalid("metadata.name", m.name, Names.DNS1035_EXPECTED));
    }
    if (Names.isEmpty(m.name)
        && !Names.isEmpty(m.generateName)
        && !Names.isDns1035Prefix(m.generateName)) {
      errors.add(
          FieldError.invalid(
              "metadata.generateName",
              m.generateName,
              "a DNS-1035 label prefix: at most 58 lowercase letters, digits and '-', starting"
                  + " with a letter"));
    }
    namespaceLabelsAndAnnotations(m, autoscaler, errors);
  }

  /**
   * The metadata of a resource a user writes but its name: namespace, labels and annotations (for a
   * DomainMapping, whose name is a domain, checked by its validator).
   */
  static void namespaceLabelsAndAnnotations(
      ObjectMeta m, AutoscalerConfig autoscaler, List<FieldError> errors) {
    if (!Names.isEmpty(m.namespace) && !Names.isDns1123Label(m.namespace)) {
      errors.add(FieldError.invalid("metadata.namespace", m.namespace, Names.DNS1123_EXPECTED));
    }
    Map<String, String> annotations = labelsAndAnnotations(m, "metadata", errors);
    if (autoscaler == null) {
      for (String key : annotations.keySet()) {
        if (key.startsWith(AutoscalingAnnotations.PREFIX)) {
          errors.add(
              new FieldError(
                  "metadata.annotations." + key,
                  "autoscaling annotations must be put under"
                      + " spec.template.metadata.annotations"));
        }
      }
    } else {
      AutoscalingAnnotations.validate(annotations, autoscaler, "metadata.annotations", errors);
    }
  }

  /**
   * A revision template's metadata: its optional (bring-your-own) name, labels, and annotations,
   * autoscaling ones included.
   */
  static void templateMeta(
      ObjectMeta m,
      ObjectMeta parent,
      String path,
      AutoscalerConfig autoscaler,
      List<FieldError> errors) {
    if (m == null) {
      return;
    }
    if (!Names.isEmpty(m.name)) {
      String parentName = parent == null ? null : parent.name;
      if (!Names.isDns1035Label(m.name)) {
        errors.add(FieldError.invalid(path + ".name", m.name, Names.DNS1035_EXPECTED));
      } else if (Names.isEmpty(parentName)) {
        if (parent != null && !Names.isEmpty(parent.generateName)) {
          errors.add(
              new FieldError(
                  path + ".name",
                  "\""
                      + m.name
                      + "\" is not allowed when metadata.generateName is used (expected: unset)"));
        }
      } else if (!m.name.startsWith(parentName + "-")) {
        errors.add(
            FieldError.invalid(
                path + ".name", m.name, "a name starting with \"" + parentName + "-\""));
      }
    }
    Map<String, String> annotations = labelsAndAnnotations(m, path, errors);
    AutoscalingAnnotations.validate(annotations, autoscaler, path + ".annotations", errors);
  }

  /**
   * Checks label and annotation syntax and the serving duration annotations; returns the
   * annotations that have a value, for further checks.
   */
  private static Map<String, String> labelsAndAnnotations(
      ObjectMeta m, String path, List<FieldError> errors) {
    if (m.labels != null) {
      for (Map.Entry<String, String> e : m.labels.entrySet()) {
        String p = path + ".labels." + e.getKey();
        if (!Names.isQualifiedName(e.getKey())) {
          errors.add(FieldError.invalid(p, e.getKey(), qualifiedNameExpected("a label key")));
        }
        if (e.getKey().equals(Route.VISIBILITY_LABEL)
            && !Route.CLUSTER_LOCAL.equals(e.getValue())) {
          errors.add(FieldError.invalid(p, e.getValue(), Route.CLUSTER_LOCAL));
        } else if (e.getValue() != null && !Names.isLabelValue(e.getValue())) {
          errors.add(
              FieldError.invalid(
                  p,
                  e.getValue(),
                  "a label value: empty or at most 63 letters, digits, '-', '_' and '.', starting"
                      + " and ending with a letter or digit"));
        }
      }
    }
    Map<String, String> annotations = new LinkedHashMap<>();
    if (m.annotations != null) {
      for (Map.Entry<String, String> e : m.annotations.entrySet()) {
        String p = path + ".annotations." + e.getKey();
        if (!Names.isQualifiedName(e.getKey())) {
          errors.add(FieldError.invalid(p, e.getKey(), qualifiedNameExpected("an annotation key")));
        }
        if (e.getValue() == null) {
          errors.add(FieldError.invalid(p, null, "a string"));
          continue;
        }
        annotations.put(e.getKey(), e.getValue());
        if (e.getKey().equals(PROGRESS_DEADLINE)) {
          wholeSeconds(p, e.getValue(), errors);
        } else if (e.getKey().equals(ROLLOUT_DURATION)) {
          if (wholeSeconds(p, e.getValue(), errors) && !Durations.parse(e.getValue()).isZero()) {
            errors.add(
                FieldError.invalid(
                    p,
                    e.getValue(),
                    "0s or unset: Coldbrew does not roll out gradually, traffic moves to a new"
                        + " revision at once"));
          }
        } else if (e.getKey().equals(Engine.ANNOTATION) && Engine.parse(e.getValue()) == null) {
          errors.add(FieldError.invalid(p, e.getValue(), Engine.EXPECTED));
        } else if (e.getKey().equals(ContainerNetwork.ANNOTATION)
            && ContainerNetwork.parse(e.getValue()) == null) {
          errors.add(FieldError.invalid(p, e.getValue(), ContainerNetwork.EXPECTED));
        }
      }
    }
    return annotations;
  }

  /** Whether {@code value} is a duration in whole seconds >= 0; adds the error if not. */
  private static boolean wholeSeconds(String path, String value, List<FieldError> errors) {
    Duration d;
    try {
      d = Durations.parse(value);
    } catch (IllegalArgumentException e) {
      errors.add(FieldError.invalid(path, value, Durations.expected(value, "whole seconds >= 0")));
      return false;
    }
    if (d.isNegative() || d.toNanosPart() != 0) {
      errors.add(FieldError.invalid(path, value, "a duration in whole seconds >= 0, such as 600s"));
      return false;
    }
    return true;
  }

  private static String qualifiedNameExpected(String what) {
    return what
        + ": an optional DNS subdomain prefix and '/', then at most 63 letters, digits, '-', '_'"
        + " and '.', starting and ending with a letter or digit";
  }
}
