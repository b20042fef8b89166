package dev.coldbrew.api.config;

import dev.coldbrew.api.validation.FieldError;
import dev.coldbrew.api.validation.ValidationException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Knative's {@code config-defaults} ConfigMap: the values Revisions get when their spec leaves them
 * unset, and the limits validation enforces. Immutable and thread-safe. Defaults are Knative's.
 *
 * @param revisionTimeoutSeconds {@code spec.timeoutSeconds} when unset or 0
 * @param maxRevisionTimeoutSeconds the largest {@code timeoutSeconds} a Revision may ask for
 * @param revisionResponseStartTimeoutSeconds {@code spec.responseStartTimeoutSeconds} when unset,
 *     applied only if non-zero and below the Revision's timeout
 * @param revisionIdleTimeoutSeconds {@code spec.idleTimeoutSeconds} when unset, same rule; 0 =
 *     disabled
 * @param containerConcurrency {@code spec.containerConcurrency} when unset; 0 = unlimited
 * @param containerConcurrencyMaxLimit the largest {@code containerConcurrency} allowed
 * @param allowContainerConcurrencyZero whether {@code containerConcurrency: 0} (unlimited) is
 *     allowed
 * @param containerName the name a container gets when it has none
 */
public record DefaultsConfig(
    long revisionTimeoutSeconds,
    long maxRevisionTimeoutSeconds,
    long revisionResponseStartTimeoutSeconds,
    long revisionIdleTimeoutSeconds,
    long containerConcurrency,
    long containerConcurrencyMaxLimit,
    boolean allowContainerConcurrencyZero,
    String containerName) {

  private static final Pattern DNS1123_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");

  private static final Set<String> KEYS =
      Set.of(
          "revision-timeout-seconds",
          "max-revision-timeout-seconds",
          "revision-response-start-timeout-seconds",
          "revision-idle-timeout-seconds",
          "container-concurrency",
          "container-concurrency-max-limit",
          "allow-container-concurrency-zero",
          "container-name-template");

  /** Knative's defaults. */
  public static DefaultsConfig defaults() {
    return new DefaultsConfig(300, 600, 300, 0, 0, 1000, true, "user-container");
  }

  /**
   * Reads the {@code defaults:} section of the config file (ConfigMap keys, string or number
   * values), validating every key.
   *
   * @param section the section's name for error paths, e.g. {@code defaults}
   * @throws ValidationException naming every bad key, its value and what was expected
   */
  public static DefaultsConfig fromMap(String section, Map<String, ?> values) {
    List<FieldError> errors = new ArrayList<>();
    ConfigReader r = new ConfigReader(section, values, KEYS, errors);
    long max = r.integer("max-revision-timeout-seconds", 600, 1, Integer.MAX_VALUE, ">= 1");
    long timeout =
        r.integer("revision-timeout-seconds", Math.min(300, max), 1, Integer.MAX_VALUE, ">= 1");
    if (r.has("revision-timeout-seconds") && timeout > max) {
      r.error("revision-timeout-seconds", timeout, "<= max-revision-timeout-seconds (" + max + ")");
    }
    long responseStart =
        r.integer("revision-response-start-timeout-seconds", timeout, 0, Integer.MAX_VALUE, ">= 0");
    if (responseStart > timeout) {
      r.error(
          "revision-response-start-timeout-seconds",
          responseStart,
          "<= revision-timeout-seconds (" + timeout + ")");
    }
    long idle = r.integer("revision-idle-timeout-seconds", 0, 0, Integer.MAX_VALUE, ">= 0");
    if (idle > timeout) {
      r.error(
          "revision-idle-timeout-seconds", idle, "<= revision-timeout-seconds (" + timeout + ")");
    }
    long limit = r.integer("container-concurrency-max-limit", 1000, 1, Integer.MAX_VALUE, ">= 1");
    boolean allowZero = r.bool("allow-container-concurrency-zero", true);
    long cc = r.integer("container-concurrency", 0, 0, Integer.MAX_VALUE, ">= 0");
    if (cc > limit || (cc == 0 && !allowZero)) {
      r.error(
          "container-concurrency",
          cc,
          (allowZero ? "0.." : "1..")
              + limit
              + " (container-concurrency-max-limit"
              + (allowZero ? ")" : ", and allow-container-concurrency-zero is false)"));
    }
    String name = r.string("container-name-template", "user-container");
    if (name.length() > 63 || !DNS1123_LABEL.matcher(name).matches()) {
      r.error(
          "container-name-template",
          name,
          "a DNS-1123 label: at most 63 lowercase letters, digits and '-'; templates are not"
              + " supported");
    }
    if (!errors.isEmpty()) {
      throw new ValidationException(errors);
    }
    return new DefaultsConfig(timeout, max, responseStart, idle, cc, limit, allowZero, name);
  }
}
