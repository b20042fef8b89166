package dev.coldbrew.server.metrics;

import dev.coldbrew.api.model.NamespacedName;
import dev.coldbrew.api.model.SksMode;
import dev.coldbrew.api.runtime.Instance;
import dev.coldbrew.api.runtime.InstanceListener;
import dev.coldbrew.api.runtime.RevisionInstances;
import dev.coldbrew.controller.AutoscalerObserver;
import dev.coldbrew.dataplane.GatewayAnswer;
import dev.coldbrew.dataplane.RequestObserver;
import dev.coldbrew.server.events.EventLog;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Clock;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.ToIntFunction;
import java.util.regex.Pattern;

/**
 * Where the platform's hooks meet: the data plane's request outcomes, the autoscaler's decisions
 * and the runtime's instance changes become Prometheus meters (Knative's names where Knative has
 * one), {@link EventLog} events and the dashboard's 15-minute history. Each revision's meters are
 * created once, when it is first seen, and removed with it. Thread-safe; every hook returns at
 * once.
 */
public final class Telemetry
    implements RequestObserver, AutoscalerObserver, InstanceListener, AutoCloseable {
  private static final Pattern REVISION_SUFFIX = Pattern.compile("-\\d{5}$");

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final JvmGcMetrics gc = new JvmGcMetrics();
  private final EventLog events;
  private final Clock clock;
  private final Function<NamespacedName, Map<String, String>> labels;
  private final ToIntFunction<NamespacedName> held;
  private final Map<NamespacedName, RevisionMeters> revisions = new ConcurrentHashMap<>();
  private final Map<NamespacedName, Set<String>> readyInstances = new ConcurrentHashMap<>();
  private final Map<GatewayAnswer, Counter> refusals = new ConcurrentHashMap<>();
  // history kept from before a restart, for revisions not seen since (claimed when first seen)
  private final Map<NamespacedName, List<RevisionMeters.Sample>> restored =
      new ConcurrentHashMap<>();

  /**
   * @param labels a revision's labels ({@code serving.knative.dev/service}, {@code
   *     .../configuration}), empty when unknown
   * @param held requests the activator holds for a revision now
   */
  public Telemetry(
      EventLog events,
      Clock clock,
      Function<NamespacedName, Map<String, String>> labels,
      ToIntFunction<NamespacedName> held) {
    this.events = events;
    this.clock = clock;
    this.labels = labels;
    this.held = held;
    new JvmMemoryMetrics().bindTo(registry);
    gc.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
  }

  /** Stops the JVM GC listener and closes the registry. */
  @Override
  public void close() {
    gc.close();
    registry.close();
  }

  /** Every meter in the Prometheus text format. */
  public String scrape() {
    return registry.scrape();
  }

  /** Every meter in the Prometheus text format, written to {@code out}. */
  public void scrape(OutputStream out) throws IOException {
    registry.scrape(out);
  }

  /** The revisions seen, with their latest decision and history. */
  public Map<NamespacedName, RevisionMeters> revisions() {
    return Map.copyOf(revisions);
  }

  /** Takes one dashboard sample of every revision; call every {@link RevisionMeters#SAMPLE}. */
  public void sample() {
    long now = clock.millis();
    revisions.values().forEach(r -> r.sample(now));
    if (!restored.isEmpty()) { // a revision deleted while the platform was down is never seen
      long oldest = now - RevisionMeters.HISTORY.toMillis();
      restored.values().removeIf(h -> h.isEmpty() || h.get(h.size() - 1).timeMillis() < oldest);
    }
  }

  /**
   * Gives back the history kept from before a restart: each revision's samples go in front of its
   * history when it is first seen (or now, if it already is).
   */
  void restore(Map<NamespacedName, List<RevisionMeters.Sample>> histories) {
    histories.forEach(
        (revision, samples) -> {
          RevisionMeters m = revisions.get(revision);
          if (m != null) {
            m.restore(samples);
          } else {
            restored.put(revision, List.copyOf(samples));
          }
        });
  }

  /** Every revision's history, oldest sample first, with the restored ones not yet claimed. */
  Map<NamespacedName, List<RevisionMeters.Sample>> histories() {
    Map<NamespacedName, List<RevisionMeters.Sample>> out = new HashMap<>(restored);
    revisions.forEach((revision, m) -> out.put(revision, m.history()));
    return out;
  }

  RevisionMeters meters(NamespacedName revision) {
    RevisionMeters m = revisions.get(revision);
    return m != null ? m : revisions.computeIfAbsent(revision, this::create);
  }

  private RevisionMeters create(NamespacedName revision) {
    Map<String, String> l = labels.apply(revision);
    String configuration =
        l.getOrDefault(
            "serving.knative.dev/configuration",
            REVISION_SUFFIX.matcher(revision.name()).replaceFirst(""));
    String service = l.getOrDefault("serving.knative.dev/service", configuration);
    Tags tags =
        Tags.of(
            "namespace",
            revision.namespace(),
            "service",
            service,
            "configuration",
            configuration,
            "revision",
            revision.name());
    RevisionMeters m = new RevisionMeters(registry, tags, () -> held.applyAsInt(revision));
    List<RevisionMeters.Sample> before = restored.remove(revision);
    if (before != null) {
      m.restore(before);
    }
    return m;
  }

  private void remove(NamespacedName revision) {
    RevisionMeters m = revisions.remove(revision);
    if (m != null) {
      m.remove(registry);
    }
    restored.remove(revision);
    readyInstances.remove(revision);
  }

  // ---- the data plane

  @Override
  public Recorder revisionAdded(NamespacedName revision) {
    RevisionMeters m = meters(revision);
    return new Recorder() {
      @Override
      public void requestDone(int statusCode, long durationNanos, boolean viaActivator) {
        m.requestDone(statusCode, durationNanos, viaActivator);
      }

      @Override
      public void coldStart(long waitNanos) {
        if (m.coldStart(waitNanos, clock.millis())) {
          events.record(
              revision.namespace(),
              EventLog.Event.NORMAL,
              "ColdStart",
              "revision/" + revision.name(),
              "request waited " + waitNanos / 1_000_000 + " ms for the first instance");
        }
      }

      @Override
      public void retried(Retry why) {
        m.retried(why);
      }

      @Override
      public void answered(GatewayAnswer answer) {
        if (m.answered(answer, clock.millis())) {
          events.record(
              revision.namespace(),
              EventLog.Event.WARNING,
              answer.status >= 500 ? "GatewayError" : "RequestRefused",
              "revision/" + revision.name(),
              "the gateway answered "
                  + answer.status
                  + " ("
                  + answer.label
                  + "); more within a minute are counted in coldbrew_gateway_answers_total and"
                  + " logged by the gateway, not listed here");
        }
      }
    };
  }

  @Override
  public void revisionRemoved(NamespacedName revision) {
    remove(revision);
  }

  @Override
  public void refused(GatewayAnswer answer) {
    refusals
        .computeIfAbsent(
            answer,
            a ->
                Counter.builder("coldbrew_gateway_refusals")
                    .description(
                        "Requests the gateway refused before routing them to a revision (a"
                            + " malformed request, no route), by status and reason")
                    .tag("status", Integer.toString(a.status))
                    .tag("reason", a.label)
                    .register(registry))
        .increment();
  }

  // ---- the autoscaler

  @Override
  public void decided(NamespacedName revision, Decision d) {
    Decision before = meters(revision).decided(d);
    String object = "revision/" + revision.name();
    String ns = revision.namespace();
    // A revision starts with no instances, in Proxy mode.
    int wasRequested = before == null ? 0 : Math.max(0, before.requestedInstances());
    if (d.requestedInstances() >= 0 && d.requestedInstances() != wasRequested) {
      boolean up = d.requestedInstances() > wasRequested;
      events.record(
          ns,
          EventLog.Event.NORMAL,
          up ? "ScaledUp" : "ScaledDown",
          object,
          "scaled from " + wasRequested + " to " + d.requestedInstances() + " instances");
    }
    SksMode wasMode = before == null ? SksMode.PROXY : before.sksMode();
    if (d.sksMode() != wasMode) {
      events.record(
          ns,
          EventLog.Event.NORMAL,
          "SKSModeChanged",
          "sks/" + revision.name(),
          "mode " + wasMode + " -> " + d.sksMode());
    }
    if (before != null && d.panicMode() != before.panicMode()) {
      events.record(
          ns,
          EventLog.Event.NORMAL,
          d.panicMode() ? "PanicStarted" : "PanicEnded",
          object,
          d.panicMode()
              ? String.format(
                  "panic concurrency %.1f over %d instances",
                  d.panicRequestConcurrency(), d.readyInstances())
              : "back to the stable window");
    }
  }

  @Override
  public void removed(NamespacedName revision) {
    remove(revision);
  }

  // ---- the runtime

  @Override
  public void onChange(RevisionInstances instances) {
    NamespacedName revision = instances.revision();
    Set<String> now = new HashSet<>();
    for (Instance i : instances.ready()) {
      now.add(i.id());
    }
    if (instances.total() == 0 && now.isEmpty() && !revisions.containsKey(revision)) {
      readyInstances.remove(revision); // a removed revision's last instances ended
      return;
    }
    Set<String> before = readyInstances.put(revision, now);
    if (before == null) {
      before = Set.of();
    }
    RevisionMeters m = meters(revision);
    String ns = revision.namespace();
    for (String id : now) {
      if (!before.contains(id)) {
        m.instanceStarted();
        events.record(ns, EventLog.Event.NORMAL, "InstanceReady", "instance/" + id, "ready");
      }
    }
    for (String id : before) {
      if (!now.contains(id)) {
        m.instanceExited();
        events.record(
            ns, EventLog.Event.NORMAL, "InstanceStopped", "instance/" + id, "left the ready set");
      }
    }
    if (!instances.health().healthy() && m.unhealthy(instances.health().reason())) {
      events.record(
          ns,
          EventLog.Event.WARNING,
          instances.health().reason() == null ? "Unhealthy" : instances.health().reason(),
          "revision/" + revision.name(),
          String.valueOf(instances.health().message()));
    } else if (instances.health().healthy()) {
      m.unhealthy(null);
    }
  }

  /** The revisions the data plane or autoscaler reported, for tests. */
  List<NamespacedName> known() {
    return List.copyOf(revisions.keySet());
  }
}
