package dev.coldbrew.runtime.local;

import java.io.InputStream;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One run of an instance, as its {@link InstanceLauncher} started it: where the platform reaches it
 * (the probes and the data plane use this address), its output, its exit, and how to end it. The
 * runtime ends a run with {@link #terminate}, then {@link #kill} after the grace period if it is
 * not gone by then; it may also call {@link #kill} alone.
 *
 * <p>Thread-safe: the runtime calls these from its scheduler and notifier threads.
 */
interface Launched {
  /** The host the platform reaches the instance at (probes, requests). */
  String host();

  /** The port the platform reaches the instance at. */
  int port();

  /** The run's stdout and stderr, merged; read once, by the runtime's log pump, until EOF. */
  InputStream output();

  /** Completes with the run's exit status when it ended. */
  CompletableFuture<Integer> exited();

  /**
   * Asks the run to stop (SIGTERM to the process and its descendants; for a container, SIGTERM
   * forwarded to its init). Returns at once.
   *
   * @return completes when everything the run started is gone
   */
  CompletableFuture<Void> terminate();

  /** Ends whatever of the run is left, at once (SIGKILL). Returns at once. */
  void kill();

  /**
   * The run passed its startup probe: the app answered, so whatever the engine had to create for it
   * (a container) exists and runs. Called once, before the run is ended, if it ever got ready.
   */
  default void started() {}

  /**
   * The TCP ports the run listens on now, to tell a user whose app listens on another port than
   * {@code PORT}; empty when none or unknown. Blocking (reads {@code /proc}); not on a hot path.
   */
  default java.util.Set<Integer> listeningPorts() {
    return java.util.Set.of();
  }

  /** The engine's name of the container this run is, or null for a process. */
  default String container() {
    return null;
  }

  /**
   * A process that runs {@code command} where Kubernetes runs an exec probe's: in the instance's
   * environment (a process: its variables and working directory; a container: inside it).
   */
  ProcessBuilder probeCommand(List<String> command);
}
