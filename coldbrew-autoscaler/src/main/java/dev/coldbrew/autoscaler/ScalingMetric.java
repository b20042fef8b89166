package dev.coldbrew.autoscaler;

/** What the KPA scales on: Knative's {@code autoscaling.knative.dev/metric}. */
public enum ScalingMetric {
  /** In-flight requests (time-weighted average). */
  CONCURRENCY,
  /** Requests per second. */
  RPS;

  /** Parses {@code concurrency} or {@code rps}. */
  public static ScalingMetric parse(String value) {
    return switch (value) {
      case "concurrency" -> CONCURRENCY;
      case "rps" -> RPS;
      default ->
          throw new IllegalArgumentException(
              "metric: \"" + value + "\" (expected: concurrency or rps)");
    };
  }

  /** The annotation value. */
  public String value() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
