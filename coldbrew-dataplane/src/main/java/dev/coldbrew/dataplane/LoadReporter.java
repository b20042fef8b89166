package dev.coldbrew.dataplane;

import dev.coldbrew.api.model.NamespacedName;
import dev.coldbrew.api.stats.Stat;
import dev.coldbrew.dataplane.queue.ConcurrencyStats;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The data plane's load reports to the autoscaler (Knative's queue-proxy and activator stats): once
 * a second, each instance queue's time-weighted concurrency and arrivals (with the part that came
 * through the activator), and each tracked revision's activator; and at once, the poke — the first
 * request of a revision the activator was not tracking, reported as concurrency 1 so a revision at
 * zero starts scaling without waiting for the next report.
 *
 * <p>Thread-safe. {@link #poke} runs on the event loop of the request that poked; the periodic
 * report on one event loop. Both call the {@link Stat.Sink} on that thread, which must not block.
 */
final class LoadReporter {
  /** The pod name of the activator's reports. */
  static final String ACTIVATOR = DataPlane.ACTIVATOR;

  private final Stat.Sink sink;
  private final Clock clock;
  private final LongSupplier nanoTime;
  private final RevisionRegistry registry;
  private ScheduledFuture<?> timer;

  LoadReporter(Stat.Sink sink, Clock clock, LongSupplier nanoTime, RevisionRegistry registry) {
    this.sink = sink;
    this.clock = clock;
    this.nanoTime = nanoTime;
    this.registry = registry;
  }

  /** Reports every second on one of the group's event loops. */
  void start(EventLoopGroup group) {
    timer = group.next().scheduleAtFixedRate(this::report, 1, 1, TimeUnit.SECONDS);
  }

  void stop() {
    if (timer != null) {
      timer.cancel(false);
    }
  }

  /** The revision's first request after a quiet spell: concurrency 1, now. */
  void poke(NamespacedName revision) {
    if (!registry.quiet(revision)) {
      sink.accept(new Stat(revision, clock.millis(), ACTIVATOR, 1, 0, 1, 0));
    }
  }

  void report() {
    long now = nanoTime.getAsLong();
    long millis = clock.millis();
    for (InstanceQueue q : registry.queues()) {
      ConcurrencyStats.Report r = q.stats.report(now);
      if (registry.quiet(q.revision)) {
        continue;
      }
      sink.accept(
          new Stat(
              q.revision,
              millis,
              q.instance.id(),
              r.averageConcurrency(),
              r.averageProxiedConcurrency(),
              r.requestCount(),
              r.proxiedRequestCount()));
    }
    for (RevisionState rev : registry.revisions()) {
      ConcurrencyStats.Report r = rev.activatorStats.report(now);
      if (r != null && !registry.quiet(rev.key)) {
        sink.accept(
            new Stat(rev.key, millis, ACTIVATOR, r.averageConcurrency(), 0, r.requestCount(), 0));
      }
    }
  }
}
