package dev.coldbrew.runtime.local;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * How an instance's log file stores a line: {@code <time> <source> <text>}, where {@code time} is
 * when the runtime received the line (RFC 3339, UTC, milliseconds, always 24 characters: {@code
 * 2026-12-06T20:01:02.123Z}) and {@code source} is {@code out} for the instance's stdout and stderr
 * or {@code sys} for a line of the runtime's own (a restart marker, why a run failed). The runtime
 * writes the prefix at the start of every line, so a line's first 29 bytes are always its own: an
 * app cannot forge a runtime line. The time is taken once per chunk read from the instance's pipe
 * (lines that arrive together share it), so stamping costs no system call. A line that does not
 * start with such a prefix (a file written before lines carried times) is read as plain text.
 * Stateless; thread-safe.
 */
final class LogFormat {
  /** The width of the time: {@code 2026-12-06T20:01:02.123Z}. */
  static final int TIME_WIDTH = 24;

  /** The source of the instance's own output. */
  static final String OUTPUT = "out";

  /** The source of the runtime's lines. */
  static final String RUNTIME = "sys";

  /** The width of the whole prefix: the time, a space, the source, a space. */
  static final int PREFIX_WIDTH = TIME_WIDTH + 1 + OUTPUT.length() + 1;

  private static final DateTimeFormatter MILLIS =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
  private static final DateTimeFormatter SECONDS =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss'Z'").withZone(ZoneOffset.UTC);

  private LogFormat() {}

  /** The prefix of a line of {@code source} received at {@code epochMillis}. */
  static byte[] prefix(long epochMillis, String source) {
    return (MILLIS.format(Instant.ofEpochMilli(epochMillis)) + " " + source + " ")
        .getBytes(StandardCharsets.US_ASCII);
  }

  /** {@code epochMillis} to the second, as the restart markers say it. */
  static String seconds(long epochMillis) {
    return SECONDS.format(Instant.ofEpochMilli(epochMillis));
  }

  /** Whether {@code stored} starts with a prefix this class writes. */
  static boolean isStamped(String stored) {
    if (stored.length() < PREFIX_WIDTH
        || stored.charAt(PREFIX_WIDTH - 1) != ' '
        || stored.charAt(TIME_WIDTH) != ' '
        || !(stored.startsWith(OUTPUT, TIME_WIDTH + 1)
            || stored.startsWith(RUNTIME, TIME_WIDTH + 1))) {
      return false;
    }
    String shape = "dddd-dd-ddTdd:dd:dd.dddZ";
    for (int i = 0; i < TIME_WIDTH; i++) {
      char want = shape.charAt(i);
      char c = stored.charAt(i);
      if (want == 'd' ? c < '0' || c > '9' : c != want) {
        return false;
      }
    }
    return true;
  }
}
