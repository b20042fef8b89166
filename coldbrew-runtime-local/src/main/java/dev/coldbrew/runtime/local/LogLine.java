package dev.coldbrew.runtime.local;

/**
 * One line an instance wrote to its stdout or stderr, without its line break.
 *
 * @param revision the revision the instance belongs to
 * @param instanceId the instance, as in {@link dev.coldbrew.api.runtime.Instance#id()}
 * @param text the line
 */
public record LogLine(String revision, String instanceId, String text) {
  /** {@code [instance-id] text}: how {@code coldbrew logs} prints it. */
  public String prefixed() {
    return "[" + instanceId + "] " + text;
  }
}
