package dev.coldbrew.runtime.local;

import java.time.Duration;

/**
 * The life of one instance as a state machine, with no threads, processes or clock: the runtime
 * feeds it events (a run launched, a probe attempt's result, a run's exit, a stop) with the time
 * they happened at, and applies what it answers (publish the ready set, restart after a wait, drain
 * or not).
 *
 * <pre>
 *   STARTING ──startup probe passes──▶ READY ◀──readiness──▶ NOT_READY
 *      ▲                                 │                       │
 *      └─launched── RESTARTING ◀──run exited / liveness failed───┘
 *   any ──stop──▶ STOPPING (out of the ready set; drained if it was ever ready; terminated) ──▶ STOPPED
 * </pre>
 *
 * A restart waits a backoff that doubles from {@code restartBackoffInitial} to {@code
 * restartBackoffMax} and starts over once the instance stayed ready {@code
 * restartBackoffResetAfter}. Each run has a generation; events of an earlier run are ignored.
 *
 * <p>Not thread-safe: the runtime's lock guards it, and the {@link Census} it shares. Times are
 * {@link System#nanoTime} values passed in.
 */
final class InstanceLife {
  /** Where an instance is in its life. */
  enum Phase {
    STARTING,
    READY,
    NOT_READY,
    RESTARTING,
    STOPPING,
    STOPPED
  }

  /** How many instances of a runtime are STARTING: they share the startup probe budget. */
  static final class Census {
    private int starting;

    int starting() {
      return starting;
    }
  }

  private final Census census;
  private final Duration backoffInitial;
  private final Duration backoffMax;
  private final long backoffResetAfterNanos;

  private Phase phase = Phase.STARTING;
  private int generation;
  private int readinessSuccesses;
  private int readinessFailures;
  private int livenessFailures;
  private long launchedNanos;
  private long readySinceNanos = -1;
  private boolean everReady;
  private Duration nextBackoff;
  private String killReason;

  InstanceLife(Census census, LocalRuntimeOptions options) {
    this.census = census;
    this.backoffInitial = options.restartBackoffInitial();
    this.backoffMax = options.restartBackoffMax();
    this.backoffResetAfterNanos = options.restartBackoffResetAfter().toNanos();
    this.nextBackoff = backoffInitial;
    census.starting++;
  }

  Phase phase() {
    return phase;
  }

  /** Stopping or stopped: it never runs again. */
  boolean stopping() {
    return phase == Phase.STOPPING || phase == Phase.STOPPED;
  }

  /** Whether an event of run {@code gen} still matters: it is the current run and not stopping. */
  boolean current(int gen) {
    return generation == gen && !stopping();
  }

  /** When the current run was launched. */
  long launchedNanos() {
    return launchedNanos;
  }

  /** How long the current run took from launch to ready; valid once it was ready. */
  long startNanos() {
    return readySinceNanos - launchedNanos;
  }

  /**
   * A new run is about to be launched; events of earlier runs are ignored from now on.
   *
   * @return the new run's generation
   */
  int nextRun() {
    return ++generation;
  }

  /** The run was launched at {@code now}: STARTING, probe counts start over. */
  void launched(long now) {
    phase(Phase.STARTING);
    launchedNanos = now;
    readinessSuccesses = readinessFailures = livenessFailures = 0;
    readySinceNanos = -1;
  }

  /**
   * A startup probe attempt of a STARTING run.
   *
   * @return true if it just became READY ({@code successThreshold} passes in a row)
   */
  boolean startupAttempt(boolean ok, int successThreshold, long now) {
    if (!ok) {
      readinessSuccesses = 0;
      return false;
    }
    if (++readinessSuccesses < successThreshold) {
      return false;
    }
    phase(Phase.READY);
    readySinceNanos = now;
    everReady = true;
    return true;
  }

  /**
   * A periodic readiness attempt of a READY or NOT_READY run: {@code failureThreshold} failures in
   * a row take it out of the ready set, {@code successThreshold} successes put it back.
   *
   * @return true if it entered or left the ready set
   */
  boolean readinessAttempt(boolean ok, int successThreshold, int failureThreshold, long now) {
    if (ok) {
      readinessFailures = 0;
      if (phase == Phase.NOT_READY && ++readinessSuccesses >= successThreshold) {
        phase(Phase.READY);
        readySinceNanos = now;
        return true;
      }
      return false;
    }
    readinessSuccesses = 0;
    if (++readinessFailures >= failureThreshold && phase == Phase.READY) {
      phase(Phase.NOT_READY);
      readySinceNanos = -1;
      return true;
    }
    return false;
  }

  /**
   * A liveness attempt.
   *
   * @return true if the run must be ended now ({@code failureThreshold} failures in a row): the
   *     instance is then RESTARTING, and the run's exit will be reported as {@code
   *     LivenessProbeFailed}
   */
  boolean livenessAttempt(boolean ok, int failureThreshold) {
    if (ok) {
      livenessFailures = 0;
      return false;
    }
    if (++livenessFailures < failureThreshold) {
      return false;
    }
    killedBecause("LivenessProbeFailed");
    phase(Phase.RESTARTING);
    return true;
  }

  /** The runtime ends the current run for this reason, reported instead of its exit status. */
  void killedBecause(String reason) {
    killReason = reason;
  }

  /**
   * The current run ended: the reason to report ({@code ExitCode<N>} unless the runtime ended it).
   */
  String exitReason(int exitStatus) {
    String reason = killReason != null ? killReason : "ExitCode" + exitStatus;
    killReason = null;
    return reason;
  }

  /**
   * The run ended or could not start: RESTARTING.
   *
   * @return how long to wait before the next run
   */
  Duration restart(long now) {
    if (readySinceNanos >= 0 && now - readySinceNanos >= backoffResetAfterNanos) {
      nextBackoff = backoffInitial;
    }
    Duration wait = nextBackoff;
    Duration doubled = wait.multipliedBy(2);
    nextBackoff = doubled.compareTo(backoffMax) > 0 ? backoffMax : doubled;
    phase(Phase.RESTARTING);
    readySinceNanos = -1;
    return wait;
  }

  /**
   * STOPPING (called once; the runtime checks {@link #stopping} first).
   *
   * @return whether it must be drained first (it was ever ready, so requests may be on it)
   */
  boolean stop() {
    phase(Phase.STOPPING);
    return everReady;
  }

  /** Every process of it is gone. */
  void stopped() {
    phase(Phase.STOPPED);
  }

  private void phase(Phase next) {
    census.starting += (next == Phase.STARTING ? 1 : 0) - (phase == Phase.STARTING ? 1 : 0);
    phase = next;
  }
}
