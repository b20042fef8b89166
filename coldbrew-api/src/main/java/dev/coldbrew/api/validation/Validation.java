package dev.coldbrew.api.validation;

import dev.coldbrew.api.autoscaling.AutoscalingAnnotations;
import dev.coldbrew.api.model.Configuration;
import dev.coldbrew.api.model.DomainMapping;
import dev.coldbrew.api.model.ObjectMeta;
import dev.coldbrew.api.model.Resource;
import dev.coldbrew.api.model.Revision;
import dev.coldbrew.api.model.RevisionTemplateSpec;
import dev.coldbrew.api.model.Route;
import dev.coldbrew.api.model.Service;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Knative's validating webhook for the kinds users write (Service, Configuration, Revision, Route,
 * DomainMapping): checks a resource, after {@link Defaults}, and reports every problem at once with
 * its path relative to the resource. {@code status} is not checked (the platform writes it). Kinds
 * the platform derives (PodAutoscaler, ServerlessService, Endpoints) are not checked. Thread-safe
 * (stateless).
 */
public final class Validation {
  static final String CREATOR = "serving.knative.dev/creator";

  private Validation() {}

  /**
   * Validates a new resource.
   *
   * @throws ValidationException with every field error found
   */
  public static void validate(Resource resource, ValidationContext ctx) {
    throwIfAny(errors(resource, ctx));
  }

  /**
   * Validates a change from {@code old} (as stored) to {@code updated} (defaulted): everything
   * {@link #validate} checks, plus what may not change: a Revision's spec, a template under an
   * unchanged bring-your-own name, and the {@code serving.knative.dev/creator} annotation.
   *
   * @throws ValidationException with every field error found
   */
  public static void validateUpdate(Resource old, Resource updated, ValidationContext ctx) {
    List<FieldError> errors = errors(updated, ctx);
    if (old.resourceKind() != updated.resourceKind()) {
      errors.add(FieldError.invalid("kind", updated.kind, old.kind + " (the kind cannot change)"));
      throwIfAny(errors);
    }
    immutableAnnotation(old.metadata, updated.metadata, CREATOR, errors);
    if (old instanceof Service o) {
      ServiceValidator.validateUpdate(o, (Service) updated, errors);
    } else if (old instanceof Configuration o) {
      ConfigurationValidator.validateUpdate(o, (Configuration) updated, errors);
    } else if (old instanceof Revision o) {
      RevisionValidator.validateUpdate(o, (Revision) updated, errors);
    }
    throwIfAny(errors);
  }

  /** Every field error of {@code resource}; empty when it is valid. */
  public static List<FieldError> errors(Resource resource, ValidationContext ctx) {
    List<FieldError> errors = new ArrayList<>();
    if (resource instanceof Service s) {
      ServiceValidator.validate(s, ctx, errors);
    } else if (resource instanceof Configuration c) {
      ConfigurationValidator.validate(c, ctx, errors);
    } else if (resource instanceof Revision r) {
      RevisionValidator.validate(r, ctx, errors);
    } else if (resource instanceof Route r) {
      RouteValidator.validate(r, errors);
    } else if (resource instanceof DomainMapping dm) {
      DomainMappingValidator.validate(dm, errors);
    }
    return errors;
  }

  /**
   * What is valid but probably not meant, as Kubernetes API warnings: {@code
   * autoscaling.knative.dev/*} annotations Knative does not know (a typo such as {@code targt} has
   * no effect) and a key given in both its legacy and its current spelling. Empty for most
   * resources.
   */
  public static List<String> warnings(Resource resource) {
    List<String> warnings = new ArrayList<>();
    RevisionTemplateSpec template =
        resource instanceof Service s && s.spec != null
            ? s.spec.template
            : resource instanceof Configuration c && c.spec != null ? c.spec.template : null;
    if (template != null && template.metadata != null) {
      AutoscalingAnnotations.warnings(
          template.metadata.annotations, "spec.template.metadata.annotations", warnings);
    } else if (resource instanceof Revision r && r.metadata != null) {
      AutoscalingAnnotations.warnings(r.metadata.annotations, "metadata.annotations", warnings);
    }
    return warnings;
  }

  private static void immutableAnnotation(
      ObjectMeta old, ObjectMeta updated, String key, List<FieldError> errors) {
    String before = old == null ? null : old.annotation(key);
    String after = updated == null ? null : updated.annotation(key);
    if (before != null && !Objects.equals(before, after)) {
      errors.add(
          FieldError.invalid(
              "metadata.annotations." + key, after, "\"" + before + "\" (it cannot change)"));
    }
  }

  private static void throwIfAny(List<FieldError> errors) {
    if (!errors.isEmpty()) {
      throw new ValidationException(errors);
    }
  }
}
