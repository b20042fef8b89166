package dev.coldbrew.api.runtime;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * Whether a revision's container keeps running. Unhealthy after a process exit or a liveness
 * failure, with Knative's reason ({@code ExitCode<N>}) and the last lines of its log as message
 * ({@link #logExcerpt}). Immutable.
 */
public record ContainerHealth(boolean healthy, String reason, String message) {
  public static final ContainerHealth HEALTHY = new ContainerHealth(true, null, null);

  public static ContainerHealth failing(String reason, String message) {
    return new ContainerHealth(false, reason, message);
  }

  /**
   * The last {@code max} distinct lines of a log tail, each once, in the order they last appeared:
   * a crash loop writes the same lines at every restart, and the reason should show them once.
   */
  public static String logExcerpt(List<String> tail, int max) {
    LinkedHashSet<String> distinct = new LinkedHashSet<>();
    for (int i = tail.size() - 1; i >= 0 && distinct.size() < max; i--) {
      distinct.add(tail.get(i));
    }
    List<String> lines = new ArrayList<>(distinct);
    java.util.Collections.reverse(lines);
    return String.join("\n", lines);
  }
}
