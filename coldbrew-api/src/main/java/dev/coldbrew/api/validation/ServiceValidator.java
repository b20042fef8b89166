package dev.coldbrew.api.validation;

import dev.coldbrew.api.model.Service;
import java.util.List;

/**
 * Validates a Service: its metadata, its revision template as a Configuration's, and its traffic as
 * a Route's (Knative's {@code service_validation.go}). Thread-safe (stateless).
 */
final class ServiceValidator {
  private ServiceValidator() {}

  static void validate(Service s, ValidationContext ctx, List<FieldError> errors) {
    MetadataValidator.objectMeta(s.metadata, null, errors);
    if (s.spec == null) {
      errors.add(FieldError.missing("spec"));
      return;
    }
    ConfigurationValidator.template(s.spec.template, s.metadata, ctx, errors);
    if (s.spec.traffic != null) {
      String name = s.metadata == null || s.metadata.name == null ? "" : s.metadata.name;
      RouteValidator.traffic(s.spec.traffic, name, errors);
    }
  }

  static void validateUpdate(Service old, Service updated, List<FieldError> errors) {
    ConfigurationValidator.templateUpdate(
        old.spec == null ? null : old.spec.template,
        updated.spec == null ? null : updated.spec.template,
        errors);
  }
}
