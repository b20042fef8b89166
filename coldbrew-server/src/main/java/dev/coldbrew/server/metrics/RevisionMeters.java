package dev.coldbrew.server.metrics;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.coldbrew.controller.AutoscalerObserver;
import dev.coldbrew.dataplane.GatewayAnswer;
import dev.coldbrew.dataplane.RequestObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;
import java.util.function.ToDoubleFunction;

/**
 * One revision's meters, created once with its tags: request counts and latencies by response code
 * class (per revision and through the activator), cold starts, instance starts and exits, and
 * gauges over the autoscaler's latest decision; plus the dashboard's history of the last 15
 * minutes. Request hooks touch only preallocated meters (the counters of a code class are made on
 * its first request). Thread-safe.
 */
public final class RevisionMeters {
  /** How often the dashboard history is sampled. */
  public static final Duration SAMPLE = Duration.ofSeconds(2);

  /** How much history the dashboard shows. */
  public static final Duration HISTORY = Duration.ofMinutes(15);

  /** Knative's latency buckets, in milliseconds. */
  private static final double[] LATENCY_BUCKETS_MILLIS = {
    5, 10, 20, 40, 60, 80, 100, 150, 200, 250, 300, 350, 400, 450, 500, 600, 700, 800, 900, 1000,
    2000, 5000, 10000, 20000, 50000, 100000
  };

  /** Cold starts take from tens of milliseconds (a tiny binary) to minutes (a big JVM app). */
  private static final Duration[] COLD_START_BUCKETS = {
    Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
    Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(10),
    Duration.ofSeconds(30), Duration.ofSeconds(60), Duration.ofSeconds(120), Duration.ofSeconds(300)
  };

  private static final String[] CLASSES = {"none", "1xx", "2xx", "3xx", "4xx", "5xx"};

  /**
   * One dashboard sample.
   *
   * @param timeMillis when it was taken
   * @param stableConcurrency observed concurrency over the stable window
   * @param desiredInstances the decider's desired instances
   * @param readyInstances ready instances
   * @param requestsPerSecond requests finished per second since the previous sample
   * @param coldStarts cold starts since the previous sample
   */
  public record Sample(
      long timeMillis,
      double stableConcurrency,
      int desiredInstances,
      int readyInstances,
      double requestsPerSecond,
      int coldStarts) {

    /** The series a history is written as, in this order (by the dashboard and the file). */
    public static final List<String> SERIES =
        List.of("t", "concurrency", "desired", "actual", "rps", "coldStarts");

    /**
     * Writes {@code samples} as one array field per series ({@link #SERIES}): with {@code rounded}
     * the time in seconds and the rates to two decimals, as the dashboard draws them; else exact.
     */
    public static void writeSeries(JsonGenerator g, List<Sample> samples, boolean rounded)
        throws IOException {
      for (int k = 0; k < SERIES.size(); k++) {
        g.writeArrayFieldStart(SERIES.get(k));
        for (Sample s : samples) {
          switch (k) {
            case 0 -> {
              if (rounded) {
                g.writeNumber(s.timeMillis / 1000.0);
              } else {
                g.writeNumber(s.timeMillis);
              }
            }
            case 1 -> g.writeNumber(rounded ? cents(s.stableConcurrency) : s.stableConcurrency);
            case 2 -> g.writeNumber(s.desiredInstances);
            case 3 -> g.writeNumber(s.readyInstances);
            case 4 -> g.writeNumber(rounded ? cents(s.requestsPerSecond) : s.requestsPerSecond);
            default -> g.writeNumber(s.coldStarts);
          }
        }
        g.writeEndArray();
      }
    }

    private static double cents(double d) {
      return Math.round(d * 100) / 100.0;
    }

    boolean sameValues(Sample o) {
      return stableConcurrency == o.stableConcurrency
          && desiredInstances == o.desiredInstances
          && readyInstances == o.readyInstances
          && requestsPerSecond == o.requestsPerSecond
          && coldStarts == o.coldStarts;
    }
  }

  private final MeterRegistry registry;
  private final Tags tags;
  private final IntSupplier held;
  private final List<Meter> meters = new CopyOnWriteArrayList<>();
  private final AtomicReferenceArray<Traffic> revisionTraffic = new AtomicReferenceArray<>(6);
  private final AtomicReferenceArray<Traffic> activatorTraffic = new AtomicReferenceArray<>(6);
  private final Timer coldStarts;
  private final Counter instanceStarts;
  private final Counter instanceExits;
  private final Map<RequestObserver.Retry, Counter> retries;
  private final Map<GatewayAnswer, Counter> answers = new EnumMap<>(GatewayAnswer.class);
  private final Map<GatewayAnswer, Long> lastAnswerEventMillis = new EnumMap<>(GatewayAnswer.class);

  /** At most one Warning event per revision and gateway answer within this period. */
  static final Duration ANSWER_EVENT_PERIOD = Duration.ofMinutes(1);

  private final LongAdder requestsSinceSample = new LongAdder();
  private final LongAdder coldStartsSinceSample = new LongAdder();
  private final ArrayDeque<Sample> history = new ArrayDeque<>();
  private boolean lastRepeats; // the last sample has the values of the one before it
  private volatile AutoscalerObserver.Decision decision;
  private long lastSampleMillis = -1;
  private long lastColdStartEventMillis = Long.MIN_VALUE / 2;
  private String unhealthyReason;

  /** Counter and latency histogram of one response code class. */
  private record Traffic(Counter count, DistributionSummary latenciesMillis) {}

  RevisionMeters(MeterRegistry registry, Tags tags, IntSupplier held) {
    this.registry = registry;
    this.tags = tags;
    coldStarts =
        add(
            Timer.builder("coldbrew_cold_start")
                .description("How long requests waited for a revision at zero to get an instance")
                .tags(tags)
                .serviceLevelObjectives(COLD_START_BUCKETS)
                .register(registry));
    instanceStarts =
        add(
            Counter.builder("coldbrew_instance_starts")
                .description("Instances that became ready")
                .tags(tags)
                .register(registry));
    instanceExits =
        add(
            Counter.builder("coldbrew_instance_exits")
                .description("Instances that left the ready set (scale-down, exit, failed probe)")
                .tags(tags)
                .register(registry));
    retries = new EnumMap<>(RequestObserver.Retry.class);
    for (RequestObserver.Retry why : RequestObserver.Retry.values()) {
      retries.put(
          why,
          add(
              Counter.builder("activator_request_retries")
                  .description(
                      "Requests sent to an instance a second time: their connection could not be"
                          + " opened, or closed before any response to an idempotent request")
                  .tags(tags)
                  .tag("reason", why.label)
                  .register(registry)));
    }
    this.held = held;
    // The gauge reads through this object, which the registry's owner (Telemetry) holds strongly:
    // Micrometer keeps only a weak reference to a gauge's state object, so a lambda passed in as
    // the state would be collected and the gauge would read NaN.
    add(
        Gauge.builder("activator_requests_held", this, m -> m.held.getAsInt())
            .description("Requests the activator holds for an instance")
            .tags(tags)
            .register(registry));
    gauge("autoscaler_desired_pods", "Instances the decider wants", d -> d.desiredInstances());
    gauge("autoscaler_actual_pods", "Ready instances", d -> d.readyInstances());
    gauge(
        "autoscaler_requested_pods", "Instances asked of the runtime", d -> d.requestedInstances());
    gauge("autoscaler_panic_mode", "1 while panicking", d -> d.panicMode() ? 1 : 0);
    gauge(
        "autoscaler_stable_request_concurrency",
        "Concurrency over the stable window",
        d -> d.stableRequestConcurrency());
    gauge(
        "autoscaler_panic_request_concurrency",
        "Concurrency over the panic window",
        d -> d.panicRequestConcurrency());
    gauge(
        "autoscaler_target_concurrency_per_pod",
        "The per-instance concurrency target",
        d -> d.targetConcurrencyPerInstance());
    gauge(
        "autoscaler_excess_burst_capacity",
        "Spare capacity beyond the target burst capacity",
        d -> d.excessBurstCapacity());
  }

  private void gauge(
      String name, String help, ToDoubleFunction<AutoscalerObserver.Decision> value) {
    add(
        Gauge.builder(
                name,
                this,
                m -> {
                  AutoscalerObserver.Decision d = m.decision;
                  return d == null ? Double.NaN : value.applyAsDouble(d);
                })
            .description(help)
            .tags(tags)
            .register(registry));
  }

  private <M extends Meter> M add(M meter) {
    meters.add(meter);
    return meter;
  }

  void requestDone(int statusCode, long durationNanos, boolean viaActivator) {
    int c = statusCode < 100 || statusCode > 599 ? 0 : statusCode / 100;
    double millis = durationNanos / 1e6;
    Traffic t = traffic(revisionTraffic, c, "revision");
    t.count().increment();
    t.latenciesMillis().record(millis);
    if (viaActivator) {
      Traffic a = traffic(activatorTraffic, c, "activator");
      a.count().increment();
      a.latenciesMillis().record(millis);
    }
    requestsSinceSample.increment();
  }

  private Traffic traffic(AtomicReferenceArray<Traffic> byClass, int c, String prefix) {
    Traffic t = byClass.get(c);
    if (t != null) {
      return t;
    }
    synchronized (byClass) {
      t = byClass.get(c);
      if (t == null) {
        Tags withClass = tags.and("response_code_class", CLASSES[c]);
        t =
            new Traffic(
                add(
                    Counter.builder(prefix + "_request_count")
                        .description("Requests by response code class")
                        .tags(withClass)
                        .register(registry)),
                add(
                    DistributionSummary.builder(prefix + "_request_latencies")
                        .description("Request latencies in milliseconds")
                        .tags(withClass)
                        .serviceLevelObjectives(LATENCY_BUCKETS_MILLIS)
                        .register(registry)));
        byClass.set(c, t);
      }
      return t;
    }
  }

  void retried(RequestObserver.Retry why) {
    retries.get(why).increment();
  }

  /**
   * Counts an answer the gateway made itself; true when it is the first of its kind within {@link
   * #ANSWER_EVENT_PERIOD} (one Warning event each).
   */
  synchronized boolean answered(GatewayAnswer answer, long nowMillis) {
    answers
        .computeIfAbsent(
            answer,
            a ->
                add(
                    Counter.builder("coldbrew_gateway_answers")
                        .description(
                            "Requests the gateway answered itself (a refusal, 502, 503 or 504), by"
                                + " status and reason")
                        .tags(tags)
                        .tag("status", Integer.toString(a.status))
                        .tag("reason", a.label)
                        .register(registry)))
        .increment();
    Long last = lastAnswerEventMillis.get(answer);
    if (last != null && nowMillis - last < ANSWER_EVENT_PERIOD.toMillis()) {
      return false;
    }
    lastAnswerEventMillis.put(answer, nowMillis);
    return true;
  }

  /** Records a cold start; true when it is the first within a sample period (one event each). */
  synchronized boolean coldStart(long waitNanos, long nowMillis) {
    coldStarts.record(waitNanos, TimeUnit.NANOSECONDS);
    coldStartsSinceSample.increment();
    if (nowMillis - lastColdStartEventMillis < SAMPLE.toMillis() * 5) {
      return false;
    }
    lastColdStartEventMillis = nowMillis;
    return true;
  }

  void instanceStarted() {
    instanceStarts.increment();
  }

  void instanceExited() {
    instanceExits.increment();
  }

  /** Remembers the health reason; true when it is new (one event per failure reason). */
  synchronized boolean unhealthy(String reason) {
    boolean changed = !Objects.equals(reason, unhealthyReason);
    unhealthyReason = reason;
    return changed;
  }

  /** Stores the latest decision; returns the one before (null for the first). */
  AutoscalerObserver.Decision decided(AutoscalerObserver.Decision d) {
    AutoscalerObserver.Decision before = decision;
    decision = d;
    return before;
  }

  /** The autoscaler's latest decision, null before the first. */
  public AutoscalerObserver.Decision decision() {
    return decision;
  }

  synchronized void sample(long nowMillis) {
    AutoscalerObserver.Decision d = decision;
    long requests = requestsSinceSample.sumThenReset();
    int cold = (int) coldStartsSinceSample.sumThenReset();
    double seconds =
        lastSampleMillis < 0 ? SAMPLE.toMillis() / 1000.0 : (nowMillis - lastSampleMillis) / 1000.0;
    lastSampleMillis = nowMillis;
    Sample next =
        new Sample(
            nowMillis,
            d == null ? 0 : d.stableRequestConcurrency(),
            d == null ? 0 : Math.max(0, d.desiredInstances()),
            d == null ? 0 : d.readyInstances(),
            seconds <= 0 ? 0 : requests / seconds,
            cold);
    // A run of equal samples is kept as its first and last (the chart's line is the same): an idle
    // revision holds 2 samples instead of 450, which matters with thousands of revisions.
    Sample last = history.peekLast();
    boolean same = last != null && last.sameValues(next);
    if (same && lastRepeats) {
      history.removeLast();
    }
    history.addLast(next);
    lastRepeats = same;
    while (!history.isEmpty()
        && history.peekFirst().timeMillis() < nowMillis - HISTORY.toMillis()) {
      history.removeFirst();
    }
  }

  /**
   * Puts samples kept from before a restart ({@link HistoryFile}) in front of the history: those
   * older than its first sample, oldest first. The next sample starts a new run, so a stop is never
   * folded into a run of equal samples.
   */
  synchronized void restore(List<Sample> before) {
    boolean wasEmpty = history.isEmpty();
    long first = wasEmpty ? Long.MAX_VALUE : history.peekFirst().timeMillis();
    for (int i = before.size() - 1; i >= 0; i--) {
      Sample s = before.get(i);
      if (s.timeMillis() < first) {
        history.addFirst(s);
        first = s.timeMillis();
      }
    }
    if (wasEmpty) {
      lastRepeats = false;
    }
  }

  /**
   * The samples of the last 15 minutes, oldest first; of a run of samples with equal values only
   * the first and the last.
   */
  public synchronized List<Sample> history() {
    return new ArrayList<>(history);
  }

  void remove(MeterRegistry registry) {
    meters.forEach(registry::remove);
    meters.clear();
  }
}
