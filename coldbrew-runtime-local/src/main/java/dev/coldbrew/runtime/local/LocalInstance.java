package dev.coldbrew.runtime.local;

import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;

/**
 * One instance of a Revision as the runtime drives it: its id and log (kept across restarts), its
 * {@link InstanceLife}, its current run and that run's timers. Not thread-safe: the mutable fields
 * are guarded by the runtime's lock; the final ones may be read anywhere ({@link LogFile} is
 * thread-safe).
 */
final class LocalInstance {
  final String id;
  final RevisionState rev;
  final LogFile log;
  final InstanceLife life;

  /** Completes when the instance has stopped and every process of it is gone. */
  final CompletableFuture<Void> finished = new CompletableFuture<>();

  /** The current (or last) run; null before the first launch returned. */
  Launched run;

  /**
   * Completes when the current run's output has been copied to the log to its end (or the pump was
   * given up): its log is closed only after, so its last lines are kept.
   */
  CompletableFuture<Void> outputCopied = CompletableFuture.completedFuture(null);

  /**
   * A launch is under way outside the lock; whoever launched finishes a stop that came meanwhile.
   */
  boolean launching;

  /** When a starting run's listening ports may be looked at next (System.nanoTime). */
  long nextPortCheckNanos;

  /** The ports the starting run was last seen listening on, when not on its PORT; else null. */
  java.util.Set<Integer> otherPorts;

  /** Since when it listens on {@link #otherPorts} (System.nanoTime). */
  long otherPortsSinceNanos;

  ScheduledFuture<?> readinessTask;
  ScheduledFuture<?> livenessTask;
  ScheduledFuture<?> restartTask;

  LocalInstance(RevisionState rev, String id, LogFile log, InstanceLife life) {
    this.rev = rev;
    this.id = id;
    this.log = log;
    this.life = life;
  }

  void cancelTimers() {
    for (ScheduledFuture<?> f : Arrays.asList(readinessTask, livenessTask, restartTask)) {
      if (f != null) {
        f.cancel(false);
      }
    }
    readinessTask = livenessTask = restartTask = null;
  }

  @Override
  public String toString() {
    return id;
  }
}
