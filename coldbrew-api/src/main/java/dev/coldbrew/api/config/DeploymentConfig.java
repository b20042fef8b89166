package dev.coldbrew.api.config;

import dev.coldbrew.api.validation.FieldError;
import dev.coldbrew.api.validation.ValidationException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Knative's {@code config-deployment} ConfigMap, the part Coldbrew uses: how long a Revision may
 * take to reach its initial scale before it is marked failed ({@code ProgressDeadlineExceeded}).
 * Immutable and thread-safe.
 *
 * @param progressDeadline the default for the {@code serving.knative.dev/progress-deadline}
 *     annotation
 */
public record DeploymentConfig(Duration progressDeadline) {
  private static final Set<String> KEYS = Set.of("progress-deadline");

  /** Knative's default: 600s. */
  public static DeploymentConfig defaults() {
    return new DeploymentConfig(Duration.ofSeconds(600));
  }

  /**
   * Reads the {@code deployment:} section of the config file, validating every key.
   *
   * @param section the section's name for error paths, e.g. {@code deployment}
   * @throws ValidationException naming every bad key, its value and what was expected
   */
  public static DeploymentConfig fromMap(String section, Map<String, ?> values) {
    List<FieldError> errors = new ArrayList<>();
    ConfigReader r = new ConfigReader(section, values, KEYS, errors);
    Duration deadline = r.positiveWholeSeconds("progress-deadline", Duration.ofSeconds(600));
    if (!errors.isEmpty()) {
      throw new ValidationException(errors);
    }
    return new DeploymentConfig(deadline);
  }
}
