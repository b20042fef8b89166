package dev.coldbrew.dataplane;

import dev.coldbrew.api.model.NamespacedName;
import dev.coldbrew.api.model.SksMode;
import dev.coldbrew.dataplane.activator.ActivatorStats;
import dev.coldbrew.dataplane.activator.Throttler;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Everything the data plane keeps per revision: its config, mode, failure, ready queues (a snapshot
 * array), its activator throttler and stats. Fields are swapped whole through volatile references;
 * request threads never lock to read them.
 */
final class RevisionState {
  static final InstanceQueue[] NO_QUEUES = new InstanceQueue[0];

  /** Why the revision cannot serve, and the 503 body that says so. */
  record Failure(String reason, String message, String body) {}

  final NamespacedName key;
  final Throttler throttler;
  final ActivatorStats activatorStats;
  final RequestObserver.Recorder recorder;

  /** The gateway's rate-limited log of each answer it made for this revision, made on first use. */
  final AtomicReferenceArray<RateLimitedLog> answerLogs =
      new AtomicReferenceArray<>(GatewayAnswer.values().length);

  volatile RevisionConfig config;
  volatile SksMode mode = SksMode.PROXY;
  volatile Failure failure;
  volatile InstanceQueue[] ready = NO_QUEUES;
  private int roundRobin;

  RevisionState(
      RevisionConfig config, int maxHeld, long nowNanos, RequestObserver.Recorder recorder) {
    this.key = config.revision();
    this.config = config;
    this.throttler =
        new Throttler(config.containerConcurrency(), maxHeld, ThreadLocalRandom.current());
    this.activatorStats = new ActivatorStats(nowNanos);
    this.recorder = recorder;
  }

  /** Serve mode's choice among ready instances: round robin (a racy counter is fine). */
  InstanceQueue nextQueue(InstanceQueue[] queues) {
    int i = Math.floorMod(roundRobin++, queues.length);
    return queues[i];
  }
}
