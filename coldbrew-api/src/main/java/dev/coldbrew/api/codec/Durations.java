package dev.coldbrew.api.codec;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Go-style durations as Knative reads them (Go's {@code time.ParseDuration}): {@code 60s}, {@code
 * 1m30s}, {@code 500ms}, {@code 1.5h}, an optional sign; every number needs a unit, except {@code
 * 0}. A bare number such as {@code 60} is refused, as a Knative cluster refuses it, so a manifest
 * that works here works there. Thread-safe (stateless).
 */
public final class Durations {
  private static final Pattern PART =
      Pattern.compile("(\\d+\\.?\\d*|\\.\\d+)(ns|us|µs|μs|ms|s|m|h)");
  private static final Pattern NUMBER = Pattern.compile("[-+]?(\\d+\\.?\\d*|\\.\\d+)");

  private Durations() {}

  /**
   * Parses a duration.
   *
   * @throws IllegalArgumentException with the message {@code "TEXT" (expected: ...)}, which for a
   *     number without a unit says that a unit is needed
   */
  public static Duration parse(String text) {
    String s = text == null ? "" : text.trim();
    Duration d = tryParse(s);
    if (d == null) {
      throw new IllegalArgumentException("\"" + text + "\" (expected: " + expected(text) + ")");
    }
    return d;
  }

  /**
   * What a duration that did not parse was expected to be, for an error message: for a number
   * without a unit, that it needs one ({@code a duration with a unit, such as "60s" ...}).
   */
  public static String expected(String text) {
    String s = text == null ? "" : text.trim();
    if (NUMBER.matcher(s).matches()) {
      return "a duration with a unit, such as \""
          + s
          + "s\" (a number alone is not a duration in Knative; units: h, m, s, ms, us, ns)";
    }
    return "a duration such as 60s, 1m30s or 500ms";
  }

  /** {@link #expected(String)}, then {@code in RANGE}. */
  public static String expected(String text, String range) {
    return expected(text) + ", in " + range;
  }

  private static Duration tryParse(String s) {
    if (s.isEmpty()) {
      return null;
    }
    boolean negative = s.charAt(0) == '-';
    if (negative || s.charAt(0) == '+') {
      s = s.substring(1);
    }
    if (s.isEmpty()) {
      return null;
    }
    if (s.equals("0")) {
      return Duration.ZERO;
    }
    Matcher m = PART.matcher(s);
    int end = 0;
    double nanos = 0;
    while (end < s.length() && m.find(end) && m.start() == end) {
      double v = Double.parseDouble(m.group(1));
      nanos +=
          v
              * switch (m.group(2)) {
                case "h" -> 3600e9;
                case "m" -> 60e9;
                case "s" -> 1e9;
                case "ms" -> 1e6;
                case "us", "µs", "μs" -> 1e3;
                default -> 1;
              };
      end = m.end();
    }
    if (end != s.length() || Double.isInfinite(nanos) || nanos > Long.MAX_VALUE) {
      return null;
    }
    Duration d = Duration.ofNanos(Math.round(nanos));
    return negative ? d.negated() : d;
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
