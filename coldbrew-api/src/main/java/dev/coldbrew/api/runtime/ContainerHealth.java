package dev.coldbrew.api.runtime;

/**
 * Whether a revision's container keeps running. Unhealthy after a process exit or a liveness
 * failure, with Knative's reason ({@code ExitCode<N>}) and the last lines of its log as message.
 */
public record ContainerHealth(boolean healthy, String reason, String message) {
  public static final ContainerHealth HEALTHY = new ContainerHealth(true, null, null);

  public static ContainerHealth failing(String reason, String message) {
    return new ContainerHealth(false, reason, message);
  }
}
