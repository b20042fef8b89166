package dev.coldbrew.dataplane;

import dev.coldbrew.api.model.NamespacedName;
import dev.coldbrew.api.model.SksMode;
import dev.coldbrew.api.runtime.Instance;
import dev.coldbrew.dataplane.activator.Throttler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * What the data plane knows about routes, revisions and instances: the routing table (host →
 * split), each revision's {@link RevisionState} (config, SKS mode, failure, ready queues,
 * activator) and each instance's {@link InstanceQueue}. The server's updates arrive here on their
 * own threads; requests read the same state from event loops without locking (immutable snapshots
 * behind volatile fields and concurrent maps).
 *
 * <p>Thread-safe. Updates never block on I/O. Held requests that an update releases (new ready
 * instances) are granted on the updating thread and handed to their event loops; those an update
 * evicts (a failed or removed revision) are answered on their event loops.
 */
final class RevisionRegistry {
  private final DataPlaneOptions options;
  private final LongSupplier nanoTime;
  private final ConcurrentHashMap<NamespacedName, RevisionState> revisions =
      new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, InstanceQueue> queues = new ConcurrentHashMap<>();

  /** The data plane's own revisions (the warm-up's): kept after removal, a few per start-up. */
  private final java.util.Set<NamespacedName> quietRevisions = ConcurrentHashMap.newKeySet();

  private volatile RoutingTable routes = RoutingTable.of(Map.of());
  volatile RequestObserver observer = RequestObserver.NONE;

  RevisionRegistry(DataPlaneOptions options, LongSupplier nanoTime) {
    this.options = options;
    this.nanoTime = nanoTime;
  }

  // ---- routes

  /** The route for a lower-case host as this client may see it ({@link RoutingTable#route}). */
  RoutingTable.HostRoute route(String host, boolean clientOnThisMachine) {
    return routes.route(host, clientOnThisMachine);
  }

  void replaceRoutes(RoutingTable table) {
    routes = table;
  }

  void updateRoutes(Map<String, List<RoutingTable.Target>> set, Collection<String> removed) {
    routes.apply(set, removed);
  }

  void updateDomains(Map<String, List<RoutingTable.Target>> set, Collection<String> removed) {
    routes.applyDomains(set, removed);
  }

  // ---- revisions

  void updateRevision(RevisionConfig config) {
    updateRevision(config, false);
  }

  /**
   * As {@link #updateRevision(RevisionConfig)}; a {@code quiet} revision stays quiet for good, also
   * if a late request makes it anew after its removal.
   */
  void updateRevision(RevisionConfig config, boolean quiet) {
    if (quiet) {
      quietRevisions.add(config.revision());
    }
    RevisionState existing = revisions.get(config.revision());
    if (existing == null) {
      existing = revisions.computeIfAbsent(config.revision(), k -> newState(config));
    }
    existing.config = config;
    existing.throttler.updateConcurrency(config.containerConcurrency());
  }

  void removeRevision(NamespacedName revision) {
    RevisionState state = revisions.remove(revision);
    if (state != null) {
      if (!quiet(revision)) {
        observer.revisionRemoved(revision);
      }
      evictHeld(state, "revision " + revision + " was removed\n");
      updateQueues(state, List.of());
    }
  }

  void updateInstances(NamespacedName revision, List<Instance> ready) {
    RevisionState state = state(revision);
    updateQueues(state, ready);
    state.throttler.updateInstances(ready);
  }

  void updateMode(NamespacedName revision, SksMode mode) {
    state(revision).mode = mode;
  }

  void failRevision(NamespacedName revision, String reason, String message) {
    RevisionState state = state(revision);
    String body =
        "revision "
            + revision
            + " cannot serve: "
            + reason
            + (message == null || message.isEmpty() ? "" : ": " + message)
            + "\n";
    state.failure = new RevisionState.Failure(reason, message, body);
    evictHeld(state, body);
  }

  void clearFailure(NamespacedName revision) {
    RevisionState state = revisions.get(revision);
    if (state != null) {
      state.failure = null;
    }
  }

  /** The revision's ready instance addresses in Serve mode; null when the activator is in path. */
  List<String> servingEndpoints(NamespacedName revision) {
    RevisionState state = revisions.get(revision);
    InstanceQueue[] ready = state == null ? RevisionState.NO_QUEUES : state.ready;
    if (state == null || state.mode == SksMode.PROXY || ready.length == 0) {
      return null;
    }
    List<String> out = new ArrayList<>(ready.length);
    for (InstanceQueue q : ready) {
      out.add(q.instance.address());
    }
    return out;
  }

  int heldRequests(NamespacedName revision) {
    RevisionState state = revisions.get(revision);
    return state == null ? 0 : state.throttler.held();
  }

  /** The requests assigned to an instance now, over every instance. */
  int assignedRequests() {
    int n = 0;
    for (InstanceQueue q : queues.values()) {
      n += q.assigned();
    }
    return n;
  }

  CompletionStage<Void> awaitIdle(String instanceId, Duration timeout) {
    InstanceQueue q = queues.get(instanceId);
    if (q == null) {
      return CompletableFuture.completedFuture(null);
    }
    return q.idle().completeOnTimeout(null, timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The revision's state, created with Knative's defaults (and a recorder) on first sight. */
  RevisionState state(NamespacedName revision) {
    RevisionState state = revisions.get(revision);
    if (state != null) {
      return state;
    }
    return revisions.computeIfAbsent(revision, k -> newState(RevisionConfig.defaults(k)));
  }

  /** The revision's state, or null (tests). */
  RevisionState existing(NamespacedName revision) {
    return revisions.get(revision);
  }

  Collection<RevisionState> revisions() {
    return revisions.values();
  }

  // ---- instance queues

  InstanceQueue queue(String instanceId) {
    return queues.get(instanceId);
  }

  Collection<InstanceQueue> queues() {
    return queues.values();
  }

  /** A request left the queue; the queue is forgotten once it is idle and out of the ready set. */
  void queueExit(InstanceQueue q) {
    if (q.exit()) {
      queues.remove(q.instance.id(), q);
    }
  }

  /** Whether the revision is one of the data plane's own, which nothing outside may see. */
  boolean quiet(NamespacedName revision) {
    return quietRevisions.contains(revision);
  }

  private RevisionState newState(RevisionConfig config) {

    return new RevisionState(
        config,
        options.maxHeldRequestsPerRevision(),
        nanoTime.getAsLong(),
        (quiet(config.revision()) ? RequestObserver.NONE : observer)
            .revisionAdded(config.revision()));
  }

  private static void evictHeld(RevisionState state, String body) {
    for (Throttler.Waiter w : state.throttler.evictAll()) {
      ((ProxiedRequest) w).evict(body);
    }
  }

  private void updateQueues(RevisionState state, List<Instance> ready) {
    int cc = state.config.containerConcurrency();
    Map<String, InstanceQueue> kept = new HashMap<>();
    InstanceQueue[] next = new InstanceQueue[ready.size()];
    for (int i = 0; i < next.length; i++) {
      Instance inst = ready.get(i);
      InstanceQueue q =
          queues.compute(
              inst.id(),
              (id, old) ->
                  old != null && old.instance.equals(inst)
                      ? old
                      : new InstanceQueue(
                          inst,
                          state.key,
                          cc,
                          options.queueDepthPerConcurrency(),
                          options.eventLoops(),
                          nanoTime.getAsLong()));
      q.setReady(true);
      next[i] = q;
      kept.put(inst.id(), q);
    }
    InstanceQueue[] previous = state.ready;
    state.ready = next;
    for (InstanceQueue q : previous) {
      if (kept.get(q.instance.id()) != q && q.setReady(false)) {
        queues.remove(q.instance.id(), q);
      }
    }
  }
}
