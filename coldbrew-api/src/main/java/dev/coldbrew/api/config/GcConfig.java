package dev.coldbrew.api.config;

import dev.coldbrew.api.codec.Durations;
import dev.coldbrew.api.validation.FieldError;
import dev.coldbrew.api.validation.ValidationException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Knative's {@code config-gc} ConfigMap: when the Revisions of a Configuration that no Route sends
 * traffic to are deleted. A non-active Revision (routing state {@code reserve}, not the latest
 * ready one, not annotated {@code serving.knative.dev/no-gc: "true"}) is stale once it was created
 * more than {@code retain-since-create-time} ago and last routed more than {@code
 * retain-since-last-active-time} ago; stale ones are deleted, oldest first, while more than {@code
 * min-non-active-revisions} non-active ones are left, and beyond {@code max-non-active-revisions}
 * the oldest are deleted whatever their age. Immutable and thread-safe.
 *
 * @param retainSinceCreateTime null when {@code disabled}
 * @param retainSinceLastActiveTime null when {@code disabled}
 * @param minNonActiveRevisions at least 0
 * @param maxNonActiveRevisions {@link #DISABLED} when {@code disabled}, else at least {@code
 *     minNonActiveRevisions}
 */
public record GcConfig(
    Duration retainSinceCreateTime,
    Duration retainSinceLastActiveTime,
    long minNonActiveRevisions,
    long maxNonActiveRevisions) {
  /** {@code max-non-active-revisions: disabled}. */
  public static final long DISABLED = -1;

  static final String CREATE = "retain-since-create-time";
  static final String ACTIVE = "retain-since-last-active-time";
  static final String MIN = "min-non-active-revisions";
  static final String MAX = "max-non-active-revisions";
  private static final String EXPECTED_DURATION =
      "a duration of at least 0s such as 48h, or disabled";
  private static final Set<String> KEYS = Set.of(CREATE, ACTIVE, MIN, MAX);

  /** Knative's defaults: 48h, 15h, 20, 1000. */
  public static GcConfig defaults() {
    return new GcConfig(Duration.ofHours(48), Duration.ofHours(15), 20, 1000);
  }

  /** True when no setting can delete anything: both times and the maximum are disabled. */
  public boolean disabled() {
    return maxNonActiveRevisions == DISABLED
        && retainSinceCreateTime == null
        && retainSinceLastActiveTime == null;
  }

  /**
   * Reads the {@code gc:} section of the config file: durations as Go writes them or {@code
   * disabled}; counts as whole numbers, the maximum also {@code disabled}.
   *
   * @param section the section's name for error paths, e.g. {@code gc}
   * @throws ValidationException naming every bad key, its value and what was expected
   */
  public static GcConfig fromMap(String section, Map<String, ?> values) {
    List<FieldError> errors = new ArrayList<>();
    ConfigReader r = new ConfigReader(section, values, KEYS, errors);
    GcConfig d = defaults();
    Duration create = disabledOrDuration(r, CREATE, d.retainSinceCreateTime());
    Duration active = disabledOrDuration(r, ACTIVE, d.retainSinceLastActiveTime());
    long min = r.integer(MIN, d.minNonActiveRevisions(), 0, Long.MAX_VALUE, "at least 0");
    long max = d.maxNonActiveRevisions();
    if ("disabled".equalsIgnoreCase(r.raw(MAX))) {
      max = DISABLED;
    } else if (r.has(MAX)) {
      max = r.integer(MAX, max, 0, Long.MAX_VALUE, "at least 0, or disabled");
    }
    if (max != DISABLED && min > max && errors.isEmpty()) {
      r.error(MIN, min, "at most " + MAX + " (" + max + ")");
    }
    if (!errors.isEmpty()) {
      throw new ValidationException(errors);
    }
    return new GcConfig(create, active, min, max);
  }

  private static Duration disabledOrDuration(ConfigReader r, String key, Duration dflt) {
    String v = r.raw(key);
    if (v == null) {
      return dflt;
    }
    if ("disabled".equalsIgnoreCase(v)) {
      return null;
    }
    try {
      Duration d = Durations.parse(v);
      if (d.isNegative()) {
        r.error(key, v, EXPECTED_DURATION);
        return dflt;
      }
      return d;
    } catch (IllegalArgumentException e) {
      r.error(key, v, EXPECTED_DURATION);
      return dflt;
    }
  }
}
