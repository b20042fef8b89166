package dev.coldbrew.api.codec;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Go-style durations as Knative writes them: {@code 60s}, {@code 1m30s}, {@code 500ms}, {@code 1h};
 * a bare number means seconds. Thread-safe.
 */
public final class Durations {
  private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|us|µs|ns|s|m|h)");

  private Durations() {}

  /**
   * Parses a duration.
   *
   * @throws IllegalArgumentException with a message saying what is expected
   */
  public static Duration parse(String text) {
    String s = text == null ? "" : text.trim();
    if (s.matches("\\d+(\\.\\d+)?")) {
      return Duration.ofNanos(Math.round(Double.parseDouble(s) * 1e9));
    }
    Matcher m = PART.matcher(s);
    int end = 0;
    double nanos = 0;
    while (m.find() && m.start() == end) {
      double v = Double.parseDouble(m.group(1));
      nanos +=
          v
              * switch (m.group(2)) {
                case "h" -> 3600e9;
                case "m" -> 60e9;
                case "s" -> 1e9;
                case "ms" -> 1e6;
                case "us", "µs" -> 1e3;
                default -> 1;
              };
      end = m.end();
    }
    if (s.isEmpty() || end != s.length()) {
      throw new IllegalArgumentException(
          "\"" + text + "\" (expected: a duration such as 60s, 1m30s, 500ms, or seconds)");
    }
    return Duration.ofNanos(Math.round(nanos));
  }

  /** Formats as Go does for whole units: {@code 1m30s}, {@code 500ms}, {@code 0s}. */
  public static String format(Duration d) {
    if (d.isZero()) {
      return "0s";
    }
    if (d.toNanosPart() != 0 && d.getSeconds() == 0) {
      return d.toMillis() + "ms";
    }
    StringBuilder sb = new StringBuilder();
    long h = d.toHours();
    long m = d.toMinutesPart();
    double sec = d.toSecondsPart() + d.toNanosPart() / 1e9;
    if (h > 0) {
      sb.append(h).append('h');
    }
    if (m > 0) {
      sb.append(m).append('m');
    }
    if (sec > 0) {
      sb.append(sec == Math.rint(sec) ? String.valueOf((long) sec) : String.valueOf(sec))
          .append('s');
    }
    return sb.toString();
  }
}
