package dev.coldbrew.runtime.local;

/**
 * The step of the runtime that differs between engines: start one run of an instance ({@link
 * #launch}), end it ({@link Launched#terminate}, {@link Launched#kill}), and end what a platform
 * that died left running ({@link #reapOrphans}). Everything around it is the runtime's and the same
 * for every launcher: the startup, readiness and liveness probes, restarts with backoff, draining
 * before termination and the grace period before the kill, the logs, the health reported. {@link
 * ProcessLauncher} runs an instance as an OS process; a launcher of containers would run it as an
 * attached container child and reach it through a port mapping, and nothing else would change.
 *
 * <p>A launcher is thread-safe: {@link #launch} is called on the runtime's scheduler threads,
 * concurrently for different instances and never under the runtime's lock, and may block (a bind, a
 * fork/exec, a small file write). It must never leave what it started unaccounted for: when {@code
 * launch} throws, nothing it started is left running; once it returns, the runtime owns the {@link
 * Launched} and ends it.
 */
interface InstanceLauncher extends AutoCloseable {

  /** What one run of an instance is started from. */
  record Spec(String instanceId, RevisionTemplate template) {}

  /**
   * Starts one run of an instance. Blocking.
   *
   * @throws LaunchException if it could not start; nothing it started is left running
   */
  Launched launch(Spec spec) throws LaunchException;

  /**
   * Ends, with the termination grace period, what an earlier platform on the same data directory
   * started and left running, and that this launcher did not start. Blocks until they are gone.
   *
   * @return how many were ended
   */
  int reapOrphans();

  /** Called once, after every run it launched has ended. */
  @Override
  void close();

  /**
   * Why a run could not start, as the revision's health shows it: a reason in Kubernetes' style
   * (e.g. {@code StartError}) and a message for people.
   */
  final class LaunchException extends Exception {
    private static final long serialVersionUID = 1L;
    private final String reason;

    LaunchException(String reason, String message) {
      super(message);
      this.reason = reason;
    }

    String reason() {
      return reason;
    }
  }
}
