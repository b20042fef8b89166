package dev.coldbrew.runtime.local;

/**
 * One line of an instance's log, without its line break: a line the instance wrote to its stdout or
 * stderr, or one the runtime wrote (a restart marker, why a run could not start). Immutable.
 *
 * @param revision the revision the instance belongs to
 * @param instanceId the instance, as in {@link dev.coldbrew.api.runtime.Instance#id()}
 * @param time when the runtime received the line, RFC 3339 in UTC with milliseconds ({@code
 *     2026-12-06T20:01:02.123Z}); null for a line written before log files carried times
 * @param runtime true for a line the runtime wrote, false for the instance's output
 * @param text the line
 */
public record LogLine(
    String revision, String instanceId, String time, boolean runtime, String text) {
  /** An instance's line with no time. */
  public LogLine(String revision, String instanceId, String text) {
    this(revision, instanceId, null, false, text);
  }

  /** {@code [instance-id] text}: how {@code coldbrew logs} prints it. */
  public String prefixed() {
    return prefixed(false);
  }

  /**
   * How {@code coldbrew logs} prints it: {@code [instance-id] text}, with {@code timestamps} {@code
   * [instance-id] 2026-12-06T20:01:02.123Z text} (a line with no time keeps the first form).
   */
  public String prefixed(boolean timestamps) {
    return timestamps && time != null
        ? "[" + instanceId + "] " + time + " " + text
        : "[" + instanceId + "] " + text;
  }

  /** A line as a log file stores it ({@link LogFormat}), read back. */
  static LogLine parse(String revision, String instanceId, String stored) {
    if (!LogFormat.isStamped(stored)) {
      return new LogLine(revision, instanceId, stored);
    }
    return new LogLine(
        revision,
        instanceId,
        stored.substring(0, LogFormat.TIME_WIDTH),
        stored.startsWith(LogFormat.RUNTIME, LogFormat.TIME_WIDTH + 1),
        stored.substring(LogFormat.PREFIX_WIDTH));
  }
}
