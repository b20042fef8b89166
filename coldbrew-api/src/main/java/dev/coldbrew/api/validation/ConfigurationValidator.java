package dev.coldbrew.api.validation;

import com.fasterxml.jackson.databind.JsonNode;
import dev.coldbrew.api.codec.ResourceCodec;
import dev.coldbrew.api.model.Configuration;
import dev.coldbrew.api.model.ObjectMeta;
import dev.coldbrew.api.model.RevisionTemplateSpec;
import java.util.List;
import java.util.Objects;

/**
 * Validates a Configuration, and the revision template of every Service (Knative's {@code
 * configuration_validation.go}). Thread-safe (stateless).
 */
final class ConfigurationValidator {
  private ConfigurationValidator() {}

  static void validate(Configuration c, ValidationContext ctx, List<FieldError> errors) {
    MetadataValidator.objectMeta(c.metadata, null, errors);
    template(c.spec == null ? null : c.spec.template, c.metadata, ctx, errors);
  }

  static void validateUpdate(Configuration old, Configuration updated, List<FieldError> errors) {
    templateUpdate(
        old.spec == null ? null : old.spec.template,
        updated.spec == null ? null : updated.spec.template,
        errors);
  }

  /** {@code spec.template} of a Configuration or Service whose metadata is {@code parent}. */
  static void template(
      RevisionTemplateSpec t, ObjectMeta parent, ValidationContext ctx, List<FieldError> errors) {
    if (t == null) {
      errors.add(FieldError.missing("spec.template"));
      return;
    }
    MetadataValidator.templateMeta(
        t.metadata, parent, "spec.template.metadata", ctx.autoscaler(), errors);
    if (t.spec == null) {
      errors.add(FieldError.missing("spec.template.spec"));
      return;
    }
    RevisionValidator.validateSpec(
        t.spec,
        "spec.template.spec",
        t.metadata == null ? null : t.metadata.annotations,
        ctx,
        errors);
  }

  /**
   * A bring-your-own revision name names one immutable Revision, so a template change must come
   * with a new name.
   */
  static void templateUpdate(
      RevisionTemplateSpec old, RevisionTemplateSpec updated, List<FieldError> errors) {
    if (old == null || updated == null || old.metadata == null || updated.metadata == null) {
      return;
    }
    String name = updated.metadata.name;
    if (Names.isEmpty(name) || !name.equals(old.metadata.name)) {
      return;
    }
    JsonNode before = ResourceCodec.json().valueToTree(old);
    JsonNode after = ResourceCodec.json().valueToTree(updated);
    if (!Objects.equals(before, after)) {
      errors.add(
          new FieldError(
              "spec.template.metadata.name",
              "\""
                  + name
                  + "\" must change when the template changes: saw changes to the template"
                  + " without a name change"));
    }
  }
}
