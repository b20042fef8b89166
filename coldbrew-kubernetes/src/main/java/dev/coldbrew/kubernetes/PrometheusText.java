package dev.coldbrew.kubernetes;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads Knative's queue-proxy gauges from Prometheus' text exposition format (version 0.0.4): the
 * first sample of each of {@code queue_average_concurrent_requests}, {@code
 * queue_average_proxied_concurrent_requests}, {@code queue_requests_per_second} and {@code
 * queue_proxied_operations_per_second}, whatever their labels. Comments, other metrics and
 * timestamps are skipped. A missing gauge, a line that is not a sample, or a value that is not a
 * finite number ≥ 0 is an {@link IllegalArgumentException} naming the line or the metric. Pure;
 * thread-safe.
 */
final class PrometheusText {
  static final String CONCURRENCY = "queue_average_concurrent_requests";
  static final String PROXIED_CONCURRENCY = "queue_average_proxied_concurrent_requests";
  static final String RPS = "queue_requests_per_second";
  static final String PROXIED_RPS = "queue_proxied_operations_per_second";
  private static final List<String> NEEDED =
      List.of(CONCURRENCY, PROXIED_CONCURRENCY, RPS, PROXIED_RPS);

  private PrometheusText() {}

  /** The queue's stats in {@code text}. */
  static QueueStats queueStats(String text) {
    Map<String, Double> found = new HashMap<>();
    int lineNo = 0;
    for (String raw : text.split("\n", -1)) {
      lineNo++;
      String line = raw.strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int nameEnd = 0;
      while (nameEnd < line.length() && isNameChar(line.charAt(nameEnd), nameEnd == 0)) {
        nameEnd++;
      }
      if (nameEnd == 0) {
        throw bad(lineNo, line, "a metric name");
      }
      String name = line.substring(0, nameEnd);
      int i = nameEnd;
      if (i < line.length() && line.charAt(i) == '{') {
        i = skipLabels(line, i + 1, lineNo);
      }
      String rest = line.substring(i).strip();
      if (rest.isEmpty()) {
        throw bad(lineNo, line, "a value after the metric name and labels");
      }
      if (!NEEDED.contains(name) || found.containsKey(name)) {
        continue;
      }
      String value = rest.split("[ \t]+")[0];
      double v;
      try {
        v =
            switch (value) {
              case "+Inf" -> Double.POSITIVE_INFINITY;
              case "-Inf" -> Double.NEGATIVE_INFINITY;
              default -> Double.parseDouble(value);
            };
      } catch (NumberFormatException e) {
        throw bad(lineNo, line, "a number as the value");
      }
      if (!Double.isFinite(v) || v < 0) {
        throw new IllegalArgumentException(
            name + ": " + value + " on line " + lineNo + " (expected: a finite number >= 0)");
      }
      found.put(name, v);
    }
    for (String n : NEEDED) {
      if (!found.containsKey(n)) {
        throw new IllegalArgumentException("no " + n + " sample in the stats (expected: one)");
      }
    }
    return new QueueStats(
        found.get(CONCURRENCY),
        found.get(PROXIED_CONCURRENCY),
        found.get(RPS),
        found.get(PROXIED_RPS));
  }

  private static boolean isNameChar(char c, boolean first) {
    return c >= 'a' && c <= 'z'
        || c >= 'A' && c <= 'Z'
        || c == '_'
        || c == ':'
        || (!first && c >= '0' && c <= '9');
  }

  /** The index after the closing brace of a label set starting at {@code i}. */
  private static int skipLabels(String line, int i, int lineNo) {
    boolean quoted = false;
    for (; i < line.length(); i++) {
      char c = line.charAt(i);
      if (quoted) {
        if (c == '\\') {
          i++;
        } else if (c == '"') {
          quoted = false;
        }
      } else if (c == '"') {
        quoted = true;
      } else if (c == '}') {
        return i + 1;
      }
    }
    throw bad(lineNo, line, "labels closed by '}'");
  }

  private static IllegalArgumentException bad(int lineNo, String line, String expected) {
    String shown = line.length() > 120 ? line.substring(0, 120) + "…" : line;
    return new IllegalArgumentException(
        "line " + lineNo + ": \"" + shown + "\" (expected: " + expected + ")");
  }
}
