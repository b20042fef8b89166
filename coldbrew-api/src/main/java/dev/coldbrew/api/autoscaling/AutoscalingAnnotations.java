package dev.coldbrew.api.autoscaling;

import dev.coldbrew.api.validation.FieldError;
import java.util.List;
import java.util.Map;

/**
 * The {@code autoscaling.knative.dev/*} annotations of a Revision template: their keys (with
 * Knative's legacy camelCase aliases), validation, and typed reads. Thread-safe (stateless).
 */
public final class AutoscalingAnnotations {
  public static final String GROUP = "autoscaling.knative.dev";
  public static final String PREFIX = GROUP + "/";

  private AutoscalingAnnotations() {}

  /**
   * Checks every {@code autoscaling.knative.dev/*} annotation for type, range and consistency (min
   * <= max, activation-scale within bounds, ...) against the platform config, adding one error per
   * problem with the path {@code <pathPrefix>.<key>}.
   *
   * @param pathPrefix e.g. {@code spec.template.metadata.annotations}
   */
  public static void validate(
      Map<String, String> annotations,
      AutoscalerConfig config,
      String pathPrefix,
      List<FieldError> errors) {
    // Implemented by the autoscaler work (issue 3).
  }
}
